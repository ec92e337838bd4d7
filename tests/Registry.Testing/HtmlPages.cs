// Portal pages over HTTP as a browser without JavaScript sees them: GET and parse, and submit a
// form the way the browser would (its hidden fields, the antiforgery token, the handler name).
using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Registry.Testing;

public sealed record HtmlPage(HttpStatusCode Status, IHtmlDocument Document, HttpResponseMessage Response)
{
    public string Text => Document.Body?.TextContent ?? "";

    /// <summary>Where a redirect points, as a path and query (Location may be absolute or relative).</summary>
    public string? RedirectTarget => Response.Headers.Location is not { } location ? null
        : location.IsAbsoluteUri ? location.PathAndQuery
        : location.OriginalString;
}

public static class HtmlPages
{
    private static readonly HtmlParser Parser = new();

    public static async Task<HtmlPage> GetPageAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        return new HtmlPage(response.StatusCode, Parser.ParseDocument(await response.Content.ReadAsStringAsync()), response);
    }

    /// <summary>
    /// Loads <paramref name="pageUrl"/>, finds the form matched by <paramref name="formSelector"/>, and submits
    /// it with its own fields overlaid by <paramref name="fields"/> (a field given several times sends several values).
    /// </summary>
    public static async Task<HtmlPage> SubmitFormAsync(this HttpClient client, string pageUrl, string formSelector, params (string Name, string Value)[] fields)
    {
        var page = await client.GetPageAsync(pageUrl);
        var form = page.Document.QuerySelector(formSelector) as IHtmlFormElement
            ?? throw new InvalidOperationException($"{pageUrl} ({(int)page.Status}) has no form matching {formSelector}");
        var values = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll("input[name]").OfType<IHtmlInputElement>())
        {
            var overridden = fields.Any(f => f.Name == input.Name);
            var isChoice = input.Type is "checkbox" or "radio";
            if (!overridden && (!isChoice || input.IsChecked) && input.Type != "submit")
            {
                values.Add(new(input.Name!, input.Value));
            }
        }

        values.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? pageUrl : form.GetAttribute("action")!;
        var response = await client.PostAsync(new Uri(action, UriKind.Relative), new FormUrlEncodedContent(values));
        return new HtmlPage(response.StatusCode, Parser.ParseDocument(await response.Content.ReadAsStringAsync()), response);
    }

    /// <summary>
    /// A POST a browser would never send from this page: the antiforgery token of any form on <paramref name="pageUrl"/>
    /// with hand-picked fields, to <paramref name="postUrl"/>. For "the server refuses it even if the button is hidden".
    /// </summary>
    public static async Task<HtmlPage> ForgePostAsync(this HttpClient client, string pageUrl, string postUrl, params (string Name, string Value)[] fields)
    {
        var page = await client.GetPageAsync(pageUrl);
        var token = page.Document.QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value")
            ?? throw new InvalidOperationException($"{pageUrl} ({(int)page.Status}) carries no antiforgery token");
        var values = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token));
        var response = await client.PostAsync(new Uri(postUrl, UriKind.Relative), new FormUrlEncodedContent(values));
        return new HtmlPage(response.StatusCode, Parser.ParseDocument(await response.Content.ReadAsStringAsync()), response);
    }
}

// Renders one component to HTML with the framework's HtmlRenderer (decision 0004) and parses it.
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Registry.Web.Tests.Portal;

internal static class ComponentRenderer
{
    public static async Task<IHtmlDocument> RenderAsync<TComponent>(Dictionary<string, object?> parameters, string wrapper = "{0}")
        where TComponent : IComponent
    {
        var services = new ServiceCollection().AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, NullLoggerFactory.Instance);
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
            return output.ToHtmlString();
        });
        return new HtmlParser().ParseDocument("<!DOCTYPE html><html><body>" + wrapper.Replace("{0}", html, StringComparison.Ordinal) + "</body></html>");
    }
}

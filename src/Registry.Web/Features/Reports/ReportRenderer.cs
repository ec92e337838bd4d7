// Renders a report component to a complete HTML document with the framework's HtmlRenderer: the same
// Razor components as the portal, no HTTP round trip, no browser needed until printing.
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Registry.Web.Features.Reports;

public sealed class ReportRenderer(IServiceProvider services, ILoggerFactory loggerFactory)
{
    public async Task<string> RenderAsync<TComponent>(IDictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        await using var renderer = new HtmlRenderer(services, loggerFactory);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
            return output.ToHtmlString();
        });
    }
}

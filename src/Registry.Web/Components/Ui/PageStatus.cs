// A page that explains its own error (an unknown model, a refused form) answers with the right
// status code but keeps its own content. Blazor's static renderer and the status-code pages would
// both replace a page that reports 404 while rendering with the generic "not found" page, so the
// code is applied when the response starts, after the page has rendered.
using Microsoft.AspNetCore.Diagnostics;

namespace Registry.Web.Components.Ui;

public static class PageStatus
{
    public static void Set(HttpContext context, int statusCode)
    {
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.OnStarting(() =>
        {
            context.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        });
    }
}

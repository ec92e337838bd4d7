// A portal page that answers 404 (or another error status) with its own explanation, e.g. "churn
// had no version 2 yet at that time", rather than the generic not-found page. Two things would
// replace the page's body: Blazor renders the router's NotFoundPage when a page sets 404 while
// rendering, and the status-code re-execution middleware renders /not-found. So the status is
// applied as the response starts, after the page has rendered, and re-execution is switched off.
using Microsoft.AspNetCore.Diagnostics;

namespace Registry.Web.Features;

public static class PageStatus
{
    public static void Set(HttpContext context, int status)
    {
        context.Features.Set<IStatusCodePagesFeature>(null);
        context.Response.OnStarting(() =>
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        });
    }
}

namespace Registry.Web.Features.Account;

/// <summary>Return URLs after sign-in stay on this site: an open redirect would make the sign-in page a phishing tool.</summary>
public static class LocalUrl
{
    public static string OrHome(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains("://", StringComparison.Ordinal)
            ? url
            : "/";
}

// An http(s) artifact or dataset: streamed through SHA-256 as it downloads, never stored.
using Registry.Cli.Api;
using Registry.Cli.Hashing;

namespace Registry.Cli.Registration;

public sealed class DownloadInput(string label, Uri url, HttpMessageHandler? handler) : HashInput(label)
{
    public override long? KnownBytes => null;

    public override async Task<ContentHash> HashAsync(IHashProgress progress, CancellationToken cancellationToken)
    {
        // A client of its own: the registry token must never travel to another host.
        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = Timeout.InfiniteTimeSpan;
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new UsageException($"{Label}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var stream = new StreamInput(Label, async token => (await response.Content.ReadAsStreamAsync(token), response.Content.Headers.ContentLength));
            return await stream.HashAsync(progress, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new UsageException($"{Label}: cannot download it to hash it ({e.Message}); or give the hash as URL#sha256=HEX");
        }
    }
}

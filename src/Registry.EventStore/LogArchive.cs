// Export the whole log to a file and import it into an empty database: a header line
// {"format":"registry-log/v1","origin":…,"rootHash":…,"treeSize":…} and then one line per event, its
// exact envelope bytes (canonical JSON has no raw line breaks). Import recomputes every hash from
// the bytes, applies the projections, and commits only if the root equals the header's: the copy
// is the same log, provably, or nothing.
using System.Data;
using System.Text;
using System.Text.Json;
using Npgsql;
using Registry.EventStore.Hashing;
using Registry.EventStore.Merkle;

namespace Registry.EventStore;

public sealed record LogArchiveHeader(string Format, string Origin, long TreeSize, string RootHash)
{
    public const string CurrentFormat = "registry-log/v1";
}

/// <summary>An archive that cannot be imported as it is (wrong format, a gap, a bad envelope, a root mismatch).</summary>
public sealed class LogArchiveException(string message) : Exception(message);

public static class LogArchive
{
    private const int ImportChunk = 2000;

    /// <summary>Writes the log as it stands (one consistent snapshot) to <paramref name="output"/>; returns the head it covers.</summary>
    public static async Task<LogHead> ExportAsync(EventStore store, Stream output, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var head = await HeadState.ReadAsync(connection, transaction, forUpdate: false, cancellationToken);
        var root = head.Range.Root();
        var header = CanonicalJson.Serialize(JsonSerializer.SerializeToElement(new LogArchiveHeader(LogArchiveHeader.CurrentFormat, store.Options.Origin, head.Position, LogHash.ToHex(root)), JsonSerializerOptions.Web));
        await output.WriteAsync(header, cancellationToken);
        output.WriteByte((byte)'\n');

        await using (var command = new NpgsqlCommand("SELECT envelope FROM registry.events WHERE position <= $1 ORDER BY position", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head.Position });
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await output.WriteAsync(reader.GetFieldValue<byte[]>(0), cancellationToken);
                output.WriteByte((byte)'\n');
            }
        }

        await output.FlushAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new LogHead(head.Position, root, head.ChainHash, head.RecordedAt);
    }

    /// <summary>Imports an archive into a store whose log is empty, in one transaction; returns the new head.</summary>
    public static async Task<LogHead> ImportAsync(EventStore store, Stream input, CancellationToken cancellationToken = default)
    {
        using var lines = new StreamReader(input, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
        var headerLine = await lines.ReadLineAsync(cancellationToken) ?? throw new LogArchiveException("the archive is empty");
        LogArchiveHeader header;
        try
        {
            header = JsonSerializer.Deserialize<LogArchiveHeader>(headerLine, JsonSerializerOptions.Web) ?? throw new LogArchiveException("the archive has no header");
        }
        catch (JsonException e)
        {
            throw new LogArchiveException($"the archive's first line is not its header: {e.Message}");
        }

        if (header.Format != LogArchiveHeader.CurrentFormat)
        {
            throw new LogArchiveException($"unknown archive format '{header.Format}' (expected {LogArchiveHeader.CurrentFormat})");
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var head = await HeadState.ReadAsync(connection, transaction, forUpdate: true, cancellationToken);
        if (head.Position != 0)
        {
            throw new LogArchiveException($"the log already holds {head.Position} events; import only into an empty database");
        }

        var range = CompactRange.Empty();
        var chain = LogHash.GenesisChain;
        var versions = new Dictionary<string, int>(StringComparer.Ordinal);
        DateTimeOffset? lastTime = null;
        var position = 0L;
        var rows = new List<EventRow>(ImportChunk);
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            var envelope = Encoding.UTF8.GetBytes(line);
            position++;
            StoredEvent e;
            try
            {
                if (!CanonicalJson.Canonicalize(envelope).AsSpan().SequenceEqual(envelope))
                {
                    throw new LogArchiveException($"event {position}: the envelope is not in canonical form");
                }

                e = Envelope.Read(envelope, [], []);
            }
            catch (Exception ex) when (ex is JsonException or CanonicalJsonException or KeyNotFoundException or FormatException or InvalidOperationException)
            {
                throw new LogArchiveException($"event {position}: not a valid envelope ({ex.Message})");
            }

            if (e.Position != position)
            {
                throw new LogArchiveException($"event {position}: the envelope says position {e.Position}");
            }

            var previousVersion = versions.GetValueOrDefault(e.Stream);
            if (e.Version != previousVersion + 1)
            {
                throw new LogArchiveException($"event {position}: stream {e.Stream} jumps from version {previousVersion} to {e.Version}");
            }

            versions[e.Stream] = e.Version;
            lastTime = e.RecordedAt;
            var leaf = LogHash.Leaf(envelope);
            chain = LogHash.Chain(chain, leaf);
            var subtrees = range.Append(leaf);
            var stored = e with { LeafHash = leaf, ChainHash = chain };
            rows.Add(new EventRow(stored, Encoding.UTF8.GetBytes(e.Data.GetRawText()), Encoding.UTF8.GetBytes(e.Metadata.GetRawText()), subtrees));
            if (rows.Count == ImportChunk)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        var root = range.Root();
        if (position != header.TreeSize || LogHash.ToHex(root) != header.RootHash)
        {
            throw new LogArchiveException($"the archive's events give {position} events with root {LogHash.ToHex(root)}, but its header promises {header.TreeSize} with root {header.RootHash}; nothing was imported");
        }

        await transaction.CommitAsync(cancellationToken);
        return new LogHead(position, root, chain, lastTime);

        async Task FlushAsync()
        {
            if (rows.Count == 0)
            {
                return;
            }

            await EventRows.InsertAsync(connection, transaction, rows, new HeadState(position, chain, range.Clone(), lastTime), alsoRun: _ => { }, cancellationToken);
            var events = rows.ConvertAll(r => r.Event);
            foreach (var projection in store.Projections)
            {
                await projection.ApplyAsync(connection, transaction, events, cancellationToken);
            }

            rows.Clear();
        }
    }
}

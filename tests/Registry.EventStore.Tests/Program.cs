// The test assembly is also a tiny program: `dotnet Registry.EventStore.Tests.dll append-writer
// CONNECTION` appends forever from many tasks at once and prints each acknowledged position, so a
// test can SIGKILL it in the middle of an append and check what survived. The test host never calls Main.
using System.Text.Json.Nodes;
using Npgsql;

namespace Registry.EventStore.Tests;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["append-writer", var connectionString])
        {
            await Console.Error.WriteLineAsync("usage: Registry.EventStore.Tests append-writer CONNECTION-STRING");
            return 2;
        }

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var store = new EventStore(dataSource, [], new EventStoreOptions(), TimeProvider.System);
        var output = TextWriter.Synchronized(Console.Out);
        var padding = new string('x', 4000);
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                var events = Enumerable.Range(0, 5).Select(k => new NewEvent("Written", new JsonObject { ["writer"] = w, ["i"] = i, ["k"] = k, ["padding"] = padding })).ToList();
                var result = await store.AppendAsync($"writer-{w}", ExpectedVersion.Any, events, new AppendMetadata("writer", $"w{w}-{i}"));
                if (result is AppendResult.Appended appended)
                {
                    output.WriteLine(string.Join(',', appended.Events.Select(e => e.Position)));
                    output.Flush();
                }
            }
        }));
        await Task.WhenAll(writers);
        return 0;
    }
}

// `make bench`: runs every IBenchmark (or those named with --only a,b), writes one JSON file each
// and bench-results/summary.md. Usage: Registry.Benchmarks [--out DIR] [--only NAME[,NAME]]
// Exit code: 0 every benchmark ran and met its targets; 2 a benchmark failed to run; 3 all ran but
// a target was missed (listed at the end), so a script or CI sees a miss without reading the table.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Registry.Benchmarks.Harness;

var output = "bench-results";
string[]? only = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--only" when i + 1 < args.Length: only = args[++i].Split(','); break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'. Usage: Registry.Benchmarks [--out DIR] [--only NAME[,NAME]]");
            return 1;
    }
}

// WebApplicationFactory looks for the web project beside the solution; ours lives under src/.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_REGISTRY_WEB", Path.Combine(Registry.Web.Hosting.RepositoryRoot.Find(), "src", "Registry.Web"));
Directory.CreateDirectory(output);
var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmark).IsAssignableFrom(t))
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .Where(b => only is null || only.Contains(b.Name))
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();
if (benchmarks.Count == 0)
{
    Console.Error.WriteLine("no benchmark matched");
    return 1;
}

var context = new BenchmarkContext(output, Console.Out);
var json = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
var summary = new StringBuilder($"# Benchmarks ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores)\n\n| benchmark | target | measured | threshold | met |\n|---|---|---|---|---|\n");
var failures = 0;
var missed = new List<string>();
foreach (var benchmark in benchmarks)
{
    context.Say($"== {benchmark.Name}");
    var started = Stopwatch.StartNew();
    try
    {
        var result = await benchmark.RunAsync(context, CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(output, $"{benchmark.Name}.json"), JsonSerializer.Serialize(new
        {
            result.Name,
            result.Figures,
            result.Baseline,
            Targets = result.Targets.Select(t => new { t.Description, t.Measured, t.Comparison, t.Threshold, t.Met }),
            result.Summary,
            Seconds = started.Elapsed.TotalSeconds,
            MachineCores = Environment.ProcessorCount,
            RecordedAt = DateTime.UtcNow,
        }, json));
        context.Say(result.Summary);
        foreach (var target in result.Targets)
        {
            summary.Append(CultureInfo.InvariantCulture, $"| {benchmark.Name} | {target.Description} | {target.Measured:0.###} | {target.Comparison} {target.Threshold:0.###} | {(target.Met ? "yes" : "**no**")} |\n");
            if (!target.Met)
            {
                missed.Add(string.Create(CultureInfo.InvariantCulture, $"{benchmark.Name}: {target.Description}: measured {target.Measured:0.###}, target {target.Comparison} {target.Threshold:0.###}"));
            }
        }

        if (result.Targets.Count == 0)
        {
            summary.Append(CultureInfo.InvariantCulture, $"| {benchmark.Name} | (report only) {result.Summary} | | | |\n");
        }
    }
    catch (Exception e)
    {
        failures++;
        context.Say($"{benchmark.Name} FAILED: {e}");
        summary.Append(CultureInfo.InvariantCulture, $"| {benchmark.Name} | failed: {e.Message.ReplaceLineEndings(" ")} | | | **no** |\n");
    }
}

if (missed.Count > 0)
{
    summary.Append(CultureInfo.InvariantCulture, $"\n## Targets missed ({missed.Count})\n\n");
    missed.ForEach(m => summary.Append(CultureInfo.InvariantCulture, $"- {m}\n"));
}

await File.WriteAllTextAsync(Path.Combine(output, "summary.md"), summary.ToString());
Console.WriteLine(summary);
if (failures > 0)
{
    Console.Error.WriteLine($"{failures} benchmark(s) failed to run (exit code 2)");
    return 2;
}

if (missed.Count > 0)
{
    Console.Error.WriteLine($"{missed.Count} target(s) missed (exit code 3):");
    missed.ForEach(m => Console.Error.WriteLine("  " + m));
    return 3;
}

Console.Error.WriteLine("every benchmark ran and met its targets");
return 0;

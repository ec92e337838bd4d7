// `registry version register`: everything a data scientist would otherwise copy by hand into a
// form, gathered where the training ran: artifact and dataset hashes, the dependency set, metrics,
// parameters and the git commit; then one POST, and optionally the submission for approval.
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Cli.Api;
using Registry.Cli.Dependencies;
using Registry.Cli.Hashing;
using Registry.Cli.Registration;
using Registry.Cli.Source;

namespace Registry.Cli.Commands;

public static class VersionCommands
{
    public static Command Build(CliEnvironment environment)
    {
        var version = new Command("version", "Register, submit and show model versions");
        version.Subcommands.Add(Register(environment));
        version.Subcommands.Add(Submit(environment));
        version.Subcommands.Add(Show(environment));
        return version;
    }

    private sealed record ArtifactBody(string Uri, string Sha256, long? SizeBytes);

    private sealed record DatasetBody(string Name, string Role, string? Uri, string Sha256);

    private sealed record SourceBody(string? Repository, string? Commit);

    private sealed record RegisterBody(
        ArtifactBody Artifact,
        IReadOnlyList<DatasetBody> Datasets,
        IReadOnlyList<Dependency> Dependencies,
        IDictionary<string, JsonNode> Parameters,
        IDictionary<string, double> Metrics,
        SourceBody? Source,
        int? ParentVersion,
        string? Notes);

    private static Command Register(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var artifact = new Option<string>("--artifact") { Description = "The trained model: a file, a folder, an http(s) URL, or URI#sha256=HEX", Required = true };
        var datasets = new Option<string[]>("--dataset") { Description = "ROLE=PATH_OR_URI[:NAME], ROLE one of training, validation, test, other; repeatable" };
        var requirements = new Option<string[]>("--requirements", "--deps") { Description = "A dependency file (format detected): requirements.txt, pip freeze output, poetry.lock, environment.yml, renv.lock, packages.lock.json, CycloneDX JSON; repeatable" };
        var metrics = new Option<string?>("--metrics") { Description = "JSON object of metric name → number" };
        var parameters = new Option<string?>("--params") { Description = "JSON object of parameter name → string, number or boolean (nested objects flattened with dots)" };
        var notes = new Option<string?>("--notes") { Description = "Free text for reviewers" };
        var parent = new Option<int?>("--parent") { Description = "The version this one was derived from (fine-tuned, retrained)" };
        var submit = new Option<bool>("--submit") { Description = "Submit the new version for approval right away" };
        var repository = new Option<string?>("--repository") { Description = "Source repository URL (default: detected with git)" };
        var commit = new Option<string?>("--commit") { Description = "Source commit (default: detected with git)" };
        var noGit = new Option<bool>("--no-git") { Description = "Do not look for a git repository" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout (progress stays on stderr)" };
        var command = new Command("register", "Hash the artifact and datasets, read dependencies, and register a new version");
        command.Arguments.Add(model);
        foreach (var option in new Option[] { artifact, datasets, requirements, metrics, parameters, notes, parent, submit, repository, commit, noGit, json })
        {
            command.Options.Add(option);
        }

        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var name = parse.GetRequiredValue(model);
            var cwd = environment.WorkingDirectory;
            // Read and check every input before the slow hashing, so a typo fails in a second, not after an hour.
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var artifactRef = ContentReference.Parse(parse.GetRequiredValue(artifact), cwd, "--artifact");
            var datasetOptions = (parse.GetValue(datasets) ?? []).Select(d => DatasetOption.Parse(d, cwd)).ToList();
            var dependencySets = (parse.GetValue(requirements) ?? []).Select(f => DependencyFile.Read(Path.GetFullPath(f, cwd))).ToList();
            var metricValues = parse.GetValue(metrics) is { } m ? RunValues.ReadMetrics(Path.GetFullPath(m, cwd)) : new SortedDictionary<string, double>(StringComparer.Ordinal);
            var parameterValues = parse.GetValue(parameters) is { } p ? RunValues.ReadParameters(Path.GetFullPath(p, cwd)) : new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var note in dependencySets.SelectMany(s => s.Notes))
            {
                environment.Error.WriteLine($"note: {note}");
            }

            var source = await SourceAsync(environment, parse.GetValue(repository), parse.GetValue(commit), parse.GetValue(noGit), cancellationToken);
            var hashed = await HashAsync(environment, [("artifact", artifactRef), .. datasetOptions.Select(d => ($"{d.Role} {d.Name}", d.Content))], cancellationToken);

            var body = new RegisterBody(
                new ArtifactBody(hashed[0].Uri, hashed[0].Sha256, hashed[0].SizeBytes),
                [.. datasetOptions.Select((d, i) => new DatasetBody(d.Name, d.Role, hashed[i + 1].Uri, hashed[i + 1].Sha256))],
                [.. dependencySets.SelectMany(s => s.Dependencies).Distinct()],
                parameterValues,
                metricValues,
                source,
                parse.GetValue(parent),
                parse.GetValue(notes));
            var registered = await client.PostAsync($"models/{Uri.EscapeDataString(name)}/versions", body, cancellationToken);
            var number = registered.TryGetProperty("version", out var v) && v.TryGetInt32(out var n) ? n
                : throw new ApiUnavailableException("the server answered without a version number");
            var status = ModelCommands.Text(registered, "status");
            if (parse.GetValue(submit))
            {
                var submitted = await client.PostAsync($"models/{Uri.EscapeDataString(name)}/versions/{number}/submit", new { }, cancellationToken);
                status = ModelCommands.Text(submitted, "status") is { Length: > 0 } s ? s : "pending-approval";
            }

            var portal = client.PortalUrl(name, number);
            if (parse.GetValue(json))
            {
                environment.WriteJson(new
                {
                    model = name,
                    version = number,
                    status,
                    url = portal.ToString(),
                    artifact = body.Artifact,
                    datasets = body.Datasets,
                    dependencies = body.Dependencies.Count,
                    source = body.Source,
                });
            }
            else
            {
                var o = environment.Out;
                o.WriteLine($"Registered {name} version {number} ({status})");
                o.WriteLine($"  artifact      {body.Artifact.Sha256}  {HashingDisplay.Bytes(body.Artifact.SizeBytes ?? 0)}");
                foreach (var d in body.Datasets)
                {
                    o.WriteLine($"  {d.Role,-13} {d.Sha256}  {d.Name}");
                }

                o.WriteLine($"  dependencies  {body.Dependencies.Count}{(dependencySets.Count > 0 ? " from " + string.Join(", ", dependencySets.Select(s => $"{Path.GetFileName(s.Path)} ({s.Format})")) : "")}");
                if (body.Source is { } src)
                {
                    o.WriteLine($"  source        {src.Repository ?? "(no remote)"} @ {src.Commit}");
                }

                o.WriteLine($"  portal        {portal}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<SourceBody?> SourceAsync(CliEnvironment environment, string? repository, string? commit, bool noGit, CancellationToken cancellationToken)
    {
        if (noGit || (repository is not null && commit is not null))
        {
            return repository is null && commit is null ? null : new SourceBody(repository, commit);
        }

        var detected = await GitSourceDetector.DetectAsync(environment.WorkingDirectory, cancellationToken);
        if (detected is null)
        {
            if (repository is null && commit is null)
            {
                environment.Error.WriteLine("note: not in a git repository; no source recorded (use --repository and --commit)");
            }

            return repository is null && commit is null ? null : new SourceBody(repository, commit);
        }

        if (detected.Dirty && commit is null)
        {
            environment.Error.WriteLine($"warning: the working tree has uncommitted changes; commit {detected.Commit[..Math.Min(12, detected.Commit.Length)]} alone does not reproduce this run");
        }

        return new SourceBody(repository ?? detected.Repository, commit ?? detected.Commit);
    }

    private sealed record Hashed(string Uri, string Sha256, long? SizeBytes);

    private static async Task<IReadOnlyList<Hashed>> HashAsync(CliEnvironment environment, IReadOnlyList<(string Label, ContentReference Content)> inputs, CancellationToken cancellationToken)
    {
        // Local files and folders and http(s) downloads are hashed together, each with its own progress;
        // a URI with a stated hash needs no hashing.
        var results = new Hashed?[inputs.Count];
        var hashing = new List<(int Index, string Uri, HashInput Input)>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var label = $"{inputs[i].Label} ({inputs[i].Content.Given})";
            switch (inputs[i].Content)
            {
                case ContentReference.Local l:
                    var plan = ContentHasher.Plan(l.FullPath);
                    hashing.Add((i, new Uri(Path.GetFullPath(plan.Path)).AbsoluteUri, HashInput.Local(label, plan)));
                    break;
                case ContentReference.Downloaded d:
                    hashing.Add((i, d.Url.ToString(), new DownloadInput(label, d.Url, environment.Handler)));
                    break;
                case ContentReference.Stated s:
                    results[i] = new Hashed(s.Uri, s.Sha256, null);
                    break;
            }
        }

        var hashes = await environment.Hashing().HashAllAsync([.. hashing.Select(h => h.Input)], cancellationToken);
        for (var j = 0; j < hashing.Count; j++)
        {
            results[hashing[j].Index] = new Hashed(hashing[j].Uri, hashes[j].Sha256, hashes[j].SizeBytes);
        }

        return [.. results.Select(r => r!)];
    }

    private static Command Submit(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var number = new Argument<int>("VERSION");
        var command = new Command("submit", "Submit a registered version for approval");
        command.Arguments.Add(model);
        command.Arguments.Add(number);
        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var name = parse.GetRequiredValue(model);
            var v = parse.GetRequiredValue(number);
            var submitted = await client.PostAsync($"models/{Uri.EscapeDataString(name)}/versions/{v}/submit", new { }, cancellationToken);
            var status = ModelCommands.Text(submitted, "status");
            environment.Out.WriteLine($"{name} version {v}: {(status.Length > 0 ? status : "pending-approval")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliEnvironment environment)
    {
        var model = new Argument<string>("MODEL");
        var number = new Argument<int>("VERSION");
        var json = new Option<bool>("--json") { Description = "The server's JSON" };
        var command = new Command("show", "Show a version: status, hashes, dependencies, metrics, approvals, deployments");
        command.Arguments.Add(model);
        command.Arguments.Add(number);
        command.Options.Add(json);
        command.Handle(environment, async (parse, cancellationToken) =>
        {
            var client = environment.Client(parse.GetValue(RegistryCli.UrlOption), parse.GetValue(RegistryCli.TokenOption));
            var name = parse.GetRequiredValue(model);
            var v = parse.GetRequiredValue(number);
            var version = await client.GetAsync($"models/{Uri.EscapeDataString(name)}/versions/{v}", cancellationToken);
            if (parse.GetValue(json))
            {
                environment.WriteJson(version);
                return ExitCodes.Ok;
            }

            VersionView.Write(environment.Out, name, v, version, client.PortalUrl(name, v));
            return ExitCodes.Ok;
        });
        return command;
    }
}

// Versions: register (numbered 1, 2, 3… per model), list, read (as of a time), submit for approval.
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Identity;

namespace Registry.Web.Features.Versions;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RegisterVersionRequest(
    Artifact? Artifact,
    List<Dataset>? Datasets,
    List<Dependency>? Dependencies,
    Dictionary<string, JsonElement>? Parameters,
    Dictionary<string, double>? Metrics,
    SourceReference? Source,
    int? ParentVersion,
    string? Notes);

public sealed record RegisteredVersion(string Model, int Version, string Status);

public sealed record ApprovalView(string Approver, string Capacity, string Decision, string Comment, string Rule, DateTime At);

public sealed record DeploymentView(string Model, int Version, string Environment, string? Reference, string? RollbackRequestId, string DeployedBy, DateTime DeployedAt);

public sealed record VersionView(
    string Model,
    int Version,
    string Status,
    Artifact Artifact,
    IReadOnlyList<Dataset> Datasets,
    IReadOnlyList<Dependency> Dependencies,
    IReadOnlyDictionary<string, JsonElement> Parameters,
    IReadOnlyDictionary<string, double> Metrics,
    SourceReference? Source,
    int? ParentVersion,
    string? Notes,
    string RegisteredBy,
    DateTime RegisteredAt,
    string? SubmittedBy,
    DateTime? SubmittedAt,
    DateTime? DecidedAt,
    AppliedRule? DecisionRule,
    IReadOnlyList<ApprovalView> Approvals,
    IReadOnlyList<DeploymentView> Deployments)
{
    public static VersionView Of(ModelState model, VersionState v)
    {
        var r = v.Registration;
        return new VersionView(
            model.Name, v.Number, v.Status, r.Artifact, r.Datasets, r.Dependencies, r.Parameters, r.Metrics, r.Source, r.ParentVersion, r.Notes,
            r.RegisteredBy, v.RegisteredAt.UtcDateTime, v.SubmittedBy, v.SubmittedAt?.UtcDateTime, v.DecidedAt?.UtcDateTime, v.DecisionRule,
            [.. v.Approvals.Select(a => new ApprovalView(a.Approver, a.Capacity, a.Decision, a.Comment, a.Rule.Description, a.At.UtcDateTime))],
            [.. model.Deployments.Where(d => d.Version == v.Number).Reverse().Select(d => DeploymentsOf(model.Name, d))]);
    }

    public static DeploymentView DeploymentsOf(string model, DeploymentState d) =>
        new(model, d.Version, d.Environment, d.Reference, d.RollbackRequestId, d.DeployedBy, d.At.UtcDateTime);
}

public sealed record VersionSummary(string Model, int Version, string Status, string ArtifactSha256, int? ParentVersion, string RegisteredBy, DateTime RegisteredAt, DateTime? SubmittedAt, DateTime? DecidedAt);

public static class VersionsApi
{
    public static IEndpointRouteBuilder MapVersionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/models/{name}/versions").WithTags("Versions");
        group.MapPost("/", Register).WithName("RegisterVersion").WithSummary("Register a version").RequireAuthorization(Permissions.RegisterVersions).ProducesProblems(400, 404, 409);
        group.MapGet("/", List).WithName("ListVersions").WithSummary("List a model's versions").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        group.MapGet("/{version:int}", Get).WithName("GetVersion").WithSummary("Read a version, now or as of a time").RequireAuthorization(Permissions.Read).ProducesProblems(400, 404);
        group.MapPost("/{version:int}/submit", Submit).WithName("SubmitVersion").WithSummary("Submit a version for approval").RequireAuthorization(Permissions.RegisterVersions).ProducesProblems(404, 409);
        return app;
    }

    public static async Task<Results<Created<RegisteredVersion>, ProblemHttpResult>> Register(
        string name, RegisterVersionRequest request, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        var command = new RegisterVersion(request.Artifact, request.Datasets, request.Dependencies, request.Parameters, request.Metrics, request.Source, request.ParentVersion, request.Notes, context.User.Actor());
        var (outcome, rejection) = await models.HandleAsync(name, command, context.Metadata(), cancellationToken);
        if (rejection is not null)
        {
            return ApiProblems.From(rejection);
        }

        var version = outcome!.State.LatestVersion;
        return TypedResults.Created($"/api/v1/models/{name}/versions/{version}", new RegisteredVersion(name, version, VersionStatus.Registered));
    }

    public static async Task<Results<Ok<Page<VersionSummary>>, ProblemHttpResult>> List(
        string name, string? status, int? page, int? pageSize, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        if (status is not null && status is not (VersionStatus.Registered or VersionStatus.PendingApproval or VersionStatus.Approved or VersionStatus.Rejected))
        {
            return ApiProblems.Invalid("status", "status must be registered, pending-approval, approved or rejected");
        }

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT latest_version FROM registry.models WHERE name = $1", name));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT version, status, artifact_sha256, parent_version, registered_by, registered_at, submitted_at, decided_at
            FROM registry.model_versions WHERE model = $1 AND ($2::text IS NULL OR status = $2)
            ORDER BY version DESC LIMIT $3 OFFSET $4
            """, name, status, size, (p - 1) * (long)size));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT count(*) FROM registry.model_versions WHERE model = $1 AND ($2::text IS NULL OR status = $2)", name, status));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        await reader.NextResultAsync(cancellationToken);
        var items = new List<VersionSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new VersionSummary(
                name, reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.GetString(4), reader.GetDateTime(5),
                reader.IsDBNull(6) ? null : reader.GetDateTime(6), reader.IsDBNull(7) ? null : reader.GetDateTime(7)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return TypedResults.Ok(new Page<VersionSummary>(items, reader.GetInt64(0)));
    }

    public static async Task<Results<Ok<VersionView>, ProblemHttpResult>> Get(string name, int version, string? asOf, ModelStreams models, ReadModels reads, CancellationToken cancellationToken)
    {
        if (asOf is null && Core.Validation.IsName(name) && await reads.VersionAsync(name, version, cancellationToken) is { } current)
        {
            return TypedResults.Ok(current);
        }

        var (loaded, problem) = await ModelsApi.LoadAsync(name, asOf, models, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return loaded!.State.Versions.TryGetValue(version, out var v)
            ? TypedResults.Ok(VersionView.Of(loaded.State, v))
            : ApiProblems.NotFound($"{name} has no version {version}{(asOf is null ? "" : " at " + asOf)}");
    }

    public static async Task<Results<Ok<VersionView>, ProblemHttpResult>> Submit(string name, int version, ModelStreams models, HttpContext context, CancellationToken cancellationToken) =>
        await RunAsync(name, version, new SubmitVersion(version, context.User.Actor()), models, context, cancellationToken);

    /// <summary>Runs a command about one version and answers with that version as it now stands.</summary>
    public static async Task<Results<Ok<VersionView>, ProblemHttpResult>> RunAsync(string name, int version, ModelCommand command, ModelStreams models, HttpContext context, CancellationToken cancellationToken, string? reason = null)
    {
        if (!Core.Validation.IsName(name))
        {
            return ApiProblems.NotFound($"no model named '{name}'");
        }

        var (outcome, rejection) = await models.HandleAsync(name, command, context.Metadata(reason), cancellationToken);
        return rejection is not null
            ? ApiProblems.From(rejection)
            : TypedResults.Ok(VersionView.Of(outcome!.State, outcome.State.Versions[version]));
    }
}

// Approvals: an approver or compliance officer decides on a pending version; the approval policy
// (Registry:ApprovalPolicy) decides when that makes it approved or rejected. Plus the queue.
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Registry.Core.Models;
using Registry.Web.Features.Models;
using Registry.Web.Features.Shared;
using Registry.Web.Features.Versions;
using Registry.Web.Identity;

namespace Registry.Web.Features.Approvals;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ApprovalRequest(string? Decision, string? Comment);

public sealed record PendingApproval(string Model, int Version, string RiskTier, string RegisteredBy, string SubmittedBy, DateTime SubmittedAt, int Decisions);

public static class ApprovalsApi
{
    public static IEndpointRouteBuilder MapApprovalsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/models/{name}/versions/{version:int}/approvals", Decide).WithName("DecideApproval").WithSummary("Approve or reject a pending version")
            .WithTags("Approvals").RequireAuthorization(Permissions.Approve).ProducesProblems(400, 404, 409);
        app.MapGet("/api/v1/approvals/pending", Pending).WithName("ListPendingApprovals").WithSummary("Versions waiting for approval, oldest first")
            .WithTags("Approvals").RequireAuthorization(Permissions.Read).ProducesProblems(400);
        return app;
    }

    public static async Task<Results<Created<VersionView>, ProblemHttpResult>> Decide(
        string name, int version, ApprovalRequest request, ModelStreams models, HttpContext context, CancellationToken cancellationToken)
    {
        var command = new RecordApproval(version, request.Decision, request.Comment, context.User.RegistryRoles(), context.User.Actor());
        var result = await VersionsApi.RunAsync(name, version, command, models, context, cancellationToken, reason: request.Comment);
        return result.Result switch
        {
            Ok<VersionView> ok => TypedResults.Created($"/api/v1/models/{name}/versions/{version}", ok.Value),
            ProblemHttpResult problem => problem,
            _ => throw new InvalidOperationException("unexpected result"),
        };
    }

    /// <summary>Versions waiting for a decision, the longest waiting first.</summary>
    public static async Task<Results<Ok<Page<PendingApproval>>, ProblemHttpResult>> Pending(int? page, int? pageSize, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var (p, size, bad) = Caller.Paging(page, pageSize);
        if (bad is not null)
        {
            return ApiProblems.Invalid(bad, bad == "page" ? "page must be 1 or more" : "pageSize must be between 1 and 500");
        }

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(ModelsApi.BatchCommand("""
            SELECT v.model, v.version, m.risk_tier, v.registered_by, v.submitted_by, v.submitted_at,
                   (SELECT count(*) FROM registry.approvals a WHERE a.model = v.model AND a.version = v.version)::int
            FROM registry.model_versions v JOIN registry.models m ON m.name = v.model
            WHERE v.status = 'pending-approval'
            ORDER BY v.submitted_at, v.model, v.version LIMIT $1 OFFSET $2
            """, size, (p - 1) * (long)size));
        batch.BatchCommands.Add(ModelsApi.BatchCommand("SELECT count(*) FROM registry.model_versions WHERE status = 'pending-approval'"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var items = new List<PendingApproval>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new PendingApproval(reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetDateTime(5), reader.GetInt32(6)));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return TypedResults.Ok(new Page<PendingApproval>(items, reader.GetInt64(0)));
    }
}

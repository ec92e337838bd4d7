// The OpenAPI document at /openapi/v1.json, made to lint clean (`redocly lint`, see redocly.yaml):
// a title and description, the bearer scheme required everywhere, tag descriptions, the server as
// "/" (the document is served by whichever host you ask), and for every operation an operationId and a
// summary: taken from the endpoint's name and WithSummary, else derived from its handler's name
// ("CreateModel" → operationId "CreateModel", summary "Create model").
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Registry.Web.Features.Shared;

public static partial class OpenApiConventions
{
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Models"] = "Models: the inventory entry (owner, risk tier, intended use, restrictions).",
        ["Versions"] = "Versions of a model: artifact, datasets, dependencies, parameters, metrics, and their status.",
        ["Approvals"] = "Approval decisions under the approval policy, and the queue of pending versions.",
        ["Deployments"] = "Deployments of versions to environments; production only takes approved versions.",
        ["Rollbacks"] = "Rollback requests: asked, decided by someone else, completed by the deployment that carries them out.",
        ["Diff"] = "What changed between two versions.",
        ["Lineage"] = "Where a version comes from and where it went.",
        ["Datasets"] = "Where a dataset's content (by SHA-256) was used.",
        ["Audit"] = "The event log itself, with canonical envelopes and hashes.",
        ["Webhooks"] = "Signed notifications of events to other systems.",
    };

    public static IServiceCollection AddRegistryOpenApiConventions(this IServiceCollection services)
    {
        services.AddOptions<OpenApiOptions>("v1").Configure(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Registry API";
                document.Info.Description = "The audit and governance registry of machine-learning models. Errors are RFC 9457 problem details; writes accept Idempotency-Key.";
                document.Servers = [new OpenApiServer { Url = "/", Description = "The host serving this document." }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A personal access token (POST /api/v1/users/{username}/tokens), or the portal's cookie.",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                {
                    if (tag.Name is { } name && tag.Description is null)
                    {
                        tag.Description = TagDescriptions.GetValueOrDefault(name, $"{name} endpoints.");
                    }
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var handler = context.Description.ActionDescriptor.EndpointMetadata.OfType<MethodInfo>().FirstOrDefault();
                var name = handler is { } m && !m.Name.Contains('<', StringComparison.Ordinal) ? m.Name : null;
                var route = context.Description.RelativePath ?? "";
                operation.OperationId ??= name is null ? null : UniqueId(handler!);
                operation.Summary ??= name is null ? $"{context.Description.HttpMethod} /{route}" : Humanize(name);
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>The handler's name, prefixed with its feature when that name alone would repeat (e.g. Get).</summary>
    private static string UniqueId(MethodInfo handler)
    {
        var feature = handler.DeclaringType?.Name.Replace("Api", "", StringComparison.Ordinal) ?? "";
        return handler.Name.Contains(feature, StringComparison.Ordinal) ? handler.Name : feature + handler.Name;
    }

    private static string Humanize(string name)
    {
        var words = Words().Split(name.Replace("Async", "", StringComparison.Ordinal)).Where(w => w.Length > 0).ToArray();
        return words.Length == 0 ? name : string.Join(' ', words.Select((w, i) => i == 0 ? w : w.ToLowerInvariant()));
    }

    [GeneratedRegex("(?<=[a-z])(?=[A-Z])")]
    private static partial Regex Words();
}

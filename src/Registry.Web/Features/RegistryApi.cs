// The registry's JSON API in one place: services, the request pipeline pieces (1 MB limit,
// Idempotency-Key) and every feature's endpoints.
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Registry.Core.Models;
using Registry.EventStore;
using Registry.EventStore.Projections;
using Registry.Web.Features.Approvals;
using Registry.Web.Features.Audit;
using Registry.Web.Features.Datasets;
using Registry.Web.Features.Deployments;
using Registry.Web.Features.Diff;
using Registry.Web.Features.Lineage;
using Registry.Web.Features.Models;
using Registry.Web.Features.Rollbacks;
using Registry.Web.Features.Shared;
using Registry.Web.Features.Versions;
using Registry.Web.Features.Webhooks;

namespace Registry.Web.Features;

public static class RegistryApi
{
    public static IServiceCollection AddRegistryApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IProjection, ModelProjection>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new EventStore.EventStore(
            sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            sp.GetServices<IProjection>(),
            new EventStoreOptions { Origin = configuration["Registry:Origin"] ?? "registry.local" },
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(ApprovalPolicyFrom(configuration.GetSection("Registry:ApprovalPolicy")));
        services.AddSingleton<ModelStateCache>();
        services.AddSingleton<ModelStreams>();
        services.AddSingleton<ReadModels>();
        services.TryAddSingleton<SearchTotals>();
        services.AddExceptionHandler<BadRequestProblems>();
        services.AddRegistryOpenApiConventions();
        services.AddSingleton<IStartupFilter, ServerTimingStartupFilter>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o => o.SerializerOptions.MaxDepth = 32);
        services.AddSingleton(sp => new EventJson(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<JsonOptions>>().Value.SerializerOptions));

        var webhooks = new WebhookOptions();
        configuration.GetSection("Registry:Webhooks").Bind(webhooks);
        services.AddSingleton(webhooks);
        services.AddHttpClient(WebhookSender.ClientName);
        services.AddHostedService<WebhookSender>();
        return services;
    }

    /// <summary>After authentication and authorization: the body limit, then idempotency.</summary>
    public static IApplicationBuilder UseRegistryApi(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestBodyLimit>().UseMiddleware<Idempotency>();

    public static IEndpointRouteBuilder MapRegistryApi(this IEndpointRouteBuilder app) => app
        .MapModelsApi()
        .MapVersionsApi()
        .MapApprovalsApi()
        .MapDeploymentsApi()
        .MapRollbacksApi()
        .MapDiffApi()
        .MapLineageApi()
        .MapDatasetsApi()
        .MapEventsApi()
        .MapWebhooksApi();

    /// <summary>
    /// Registry:ApprovalPolicy:{low|medium|high}:{Approvers|ComplianceSignOffs}; tiers not configured keep the default rule.
    /// </summary>
    public static ApprovalPolicy ApprovalPolicyFrom(IConfigurationSection section)
    {
        var rules = new Dictionary<string, ApprovalRequirement>(ApprovalPolicy.Default.ByRiskTier);
        foreach (var tier in RiskTiers.All)
        {
            var rule = section.GetSection(tier);
            if (rule.Exists())
            {
                rules[tier] = new ApprovalRequirement(rule.GetValue("Approvers", rules[tier].Approvers), rule.GetValue("ComplianceSignOffs", rules[tier].ComplianceSignOffs));
            }
        }

        return new ApprovalPolicy(rules);
    }
}

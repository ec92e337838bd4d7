// The portal's services: the queries behind its pages (SQL over the read tables) and the adapters
// to the model streams its forms write through. The pages themselves are routed by MapRazorComponents.
using Microsoft.Extensions.DependencyInjection.Extensions;
using Registry.Web.Features.Approvals;
using Registry.Web.Features.Demo;
using Registry.Web.Features.Home;
using Registry.Web.Features.Models;
using Registry.Web.Features.Users;

namespace Registry.Web.Features;

public static class PortalHosting
{
    public static IServiceCollection AddRegistryPortal(this IServiceCollection services)
    {
        services.AddSingleton<ModelSearch>();
        services.TryAddSingleton<SearchTotals>();
        services.AddSingleton<ApprovalQueue>();
        services.AddSingleton<Dashboard>();
        services.AddSingleton<UserDirectory>();
        services.AddScoped<ModelReader>();
        services.AddScoped<ModelCommandRunner>();
        services.AddRegistryDemo();
        return services;
    }
}

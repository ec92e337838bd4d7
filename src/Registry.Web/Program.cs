using Registry.Web.Components;
using Registry.Web.Features;
using Registry.Web.Features.Account;
using Registry.Web.Features.Audit;
using Registry.Web.Features.Demo;
using Registry.Web.Features.Evidence;
using Registry.Web.Features.Integrity;
using Registry.Web.Features.Reports;
using Registry.Web.Features.Users;
using Registry.Web.Hosting;
using Registry.Web.Identity;

var builder = WebApplication.CreateBuilder(args);
if (builder.Environment.IsDevelopment())
{
    builder.Configuration.AddJsonFile(Path.Combine(RepositoryRoot.Find(), "appsettings.Development.json"), optional: true, reloadOnChange: false);
}

builder.Logging.ClearProviders();
if (builder.Environment.IsDevelopment())
{
    builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
}
else
{
    builder.Logging.AddJsonConsole(o => o.IncludeScopes = true);
}

var embedded = await builder.AddRegistryDatabaseAsync();
builder.Services.AddRegistryProblems();
builder.Services.AddRegistryApi(builder.Configuration);
builder.Services.AddRegistryReports(builder.Configuration);
builder.Services.AddRazorComponents();
builder.Services.AddRegistryPortal();
builder.Services.AddOpenApi();
builder.AddRegistryIdentity();
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddIntegrityPages(builder.Configuration);

var app = builder.Build();
app.UseTrustedProxyHeaders();
app.UseSecurityHeaders();
app.UseRegistryProblems();
app.UseStaticFiles();
app.UseRouting();
app.UseRegistryIdentity();
app.UseAntiforgery();
app.UseRegistryApi();

await app.PrepareRegistryDatabaseAsync(embedded);
await app.EnsureAdminAsync();

app.MapHealthApi();
app.MapUsersApi();
app.MapAccountEndpoints();
app.MapOpenApi();
app.MapAuditCsv();
app.MapIntegrityEndpoints();
app.MapRazorComponents<App>();
app.MapRegistryApi();
app.MapReportsApi();
app.MapEvidenceApi();

await app.UseRegistryDemoAsync();
app.Run();

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;

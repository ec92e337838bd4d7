// A registry host on a fresh database with one user per role, each with its own bearer client.
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Testing;

namespace Registry.Web.Tests.Features;

public class RegistryApiFixture : RegistryApp
{
    private readonly Dictionary<string, HttpClient> _clients = [];

    /// <summary>username → roles. "dual" is a data scientist who is also an approver (for separation of duties).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Users = new Dictionary<string, string[]>
    {
        ["dana"] = ["data-scientist"],
        ["dave"] = ["data-scientist"],
        ["ivan"] = ["approver"],
        ["olga"] = ["approver"],
        ["carla"] = ["compliance"],
        ["audrey"] = ["auditor"],
        ["dual"] = ["data-scientist", "approver"],
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var admin = CreateAdminClient();
        foreach (var (user, roles) in Users)
        {
            var created = await admin.PostAsJsonAsync("/api/v1/users", new { username = user, displayName = user, roles });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var token = await admin.PostAsJsonAsync($"/api/v1/users/{user}/tokens", new { name = "tests" });
            Assert.Equal(HttpStatusCode.Created, token.StatusCode);
            var body = await token.Content.ReadFromJsonAsync<JsonElement>();
            _clients[user] = CreateTokenClient(body.GetProperty("token").GetString()!);
        }

        _clients["admin"] = CreateAdminClient();
    }

    /// <summary>The client of a user of <see cref="Users"/> (or "admin").</summary>
    public HttpClient As(string user) => _clients[user];

    public HttpClient Anonymous() => CreateClient();

    public async Task CreateModelAsync(string name, string riskTier = "low", string? description = null)
    {
        var response = await As("dana").PostAsJsonAsync("/api/v1/models", new { name, riskTier, description = description ?? $"The {name} model", owner = "team-a" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<int> RegisterAsync(string model, string user = "dana", string datasetSha = Hashes.A, int? parentVersion = null, string notes = "notes")
    {
        var response = await As(user).PostAsJsonAsync($"/api/v1/models/{model}/versions", VersionBody(datasetSha, parentVersion, notes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32();
    }

    public static JsonObject VersionBody(string datasetSha = Hashes.A, int? parentVersion = null, string notes = "notes") => new()
    {
        ["artifact"] = new JsonObject { ["uri"] = "s3://models/m.onnx", ["sha256"] = Hashes.C, ["sizeBytes"] = 2048 },
        ["datasets"] = new JsonArray(new JsonObject { ["name"] = "customers", ["role"] = "training", ["uri"] = "s3://data/c.parquet", ["sha256"] = datasetSha, ["rows"] = 1000 }),
        ["dependencies"] = new JsonArray(new JsonObject { ["ecosystem"] = "pypi", ["name"] = "scikit-learn", ["version"] = "1.4.2" }),
        ["parameters"] = new JsonObject { ["depth"] = 6, ["criterion"] = "gini", ["bootstrap"] = true },
        ["metrics"] = new JsonObject { ["auc"] = 0.81 },
        ["source"] = new JsonObject { ["repository"] = "https://git.example/m", ["commit"] = "abc123" },
        ["parentVersion"] = parentVersion,
        ["notes"] = notes,
    };

    /// <summary>Registered, submitted and approved (low or medium risk) by the usual people.</summary>
    public async Task<int> ApprovedVersionAsync(string model)
    {
        var version = await RegisterAsync(model);
        Assert.Equal(HttpStatusCode.OK, (await As("dana").PostAsync($"/api/v1/models/{model}/versions/{version}/submit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await As("ivan").PostAsJsonAsync($"/api/v1/models/{model}/versions/{version}/approvals", new { decision = "approve", comment = "ok" })).StatusCode);
        return version;
    }

    public async Task DeployAsync(string model, int version, string environment, string? rollbackRequestId = null)
    {
        var response = await As("ivan").PostAsJsonAsync($"/api/v1/models/{model}/deployments", new { version, environment, reference = "CHG-1", rollbackRequestId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

public static class Hashes
{
    public const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    public const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    public const string C = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
}

public static class Http
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Asserts a problem+json answer with this status; returns the problem document.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        return problem;
    }

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string url, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body, string contentType = "application/json", string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request);
    }
}

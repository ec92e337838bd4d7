// Malformed requests against every write endpoint: wrong types, bad encodings, control characters,
// lone surrogates, deep nesting, huge arrays, truncations, unknown members, absurd numbers. Every
// one carries at least one defect, so none may append; none may be answered with a 5xx.
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Registry.Web.Tests.Features;

public sealed class FuzzTests(RegistryApiFixture app) : IClassFixture<RegistryApiFixture>
{
    private const string LoneSurrogate = "LONE-SURROGATE";

    private sealed record Target(string User, HttpMethod Method, string Url, Func<JsonObject> Valid);

    private static readonly Target[] Targets =
    [
        new("dana", HttpMethod.Post, "/api/v1/models", () => new JsonObject { ["name"] = "fuzz-new", ["riskTier"] = "low", ["description"] = "d", ["tags"] = new JsonObject { ["a"] = "b" } }),
        new("dana", HttpMethod.Patch, "/api/v1/models/fuzz", () => new JsonObject { ["description"] = "d", ["owner"] = "o", ["riskTier"] = "medium" }),
        new("dana", HttpMethod.Post, "/api/v1/models/fuzz/versions", () => RegistryApiFixture.VersionBody()),
        new("ivan", HttpMethod.Post, "/api/v1/models/fuzz/versions/1/approvals", () => new JsonObject { ["decision"] = "approve", ["comment"] = "ok" }),
        new("ivan", HttpMethod.Post, "/api/v1/models/fuzz/deployments", () => new JsonObject { ["version"] = 1, ["environment"] = "staging", ["reference"] = "r" }),
        new("dana", HttpMethod.Post, "/api/v1/models/fuzz/rollback-requests", () => new JsonObject { ["environment"] = "staging", ["reason"] = "why" }),
        new("ivan", HttpMethod.Post, "/api/v1/rollback-requests/none/approve", () => new JsonObject { ["comment"] = "ok" }),
        new("admin", HttpMethod.Post, "/api/v1/webhooks", () => new JsonObject { ["url"] = "http://127.0.0.1:9/hook", ["eventTypes"] = new JsonArray("*") }),
    ];

    [Fact]
    public async Task Six_hundred_malformed_writes_get_no_5xx_and_append_nothing()
    {
        await app.CreateModelAsync("fuzz");
        await app.RegisterAsync("fuzz");
        await app.As("dana").PostAsync("/api/v1/models/fuzz/versions/1/submit", null);
        var before = await app.EventCountAsync();
        var random = new Random(20261121);
        var statuses = new Dictionary<int, int>();
        var failures = new List<string>();

        for (var i = 0; i < 600; i++)
        {
            var target = Targets[i % Targets.Length];
            var (body, contentType, description) = Malformed(target, random);
            using var request = new HttpRequestMessage(target.Method, target.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await app.As(target.User).SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status >= 500 || status < 400)
            {
                failures.Add($"{target.Method} {target.Url} [{description}] → {status}: {(await response.Content.ReadAsStringAsync())[..Math.Min(300, (int)response.Content.Headers.ContentLength.GetValueOrDefault(300))]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.Equal(before, await app.EventCountAsync());
        Assert.True(statuses.Values.Sum() >= 500);
    }

    private static (byte[] Body, string ContentType, string Description) Malformed(Target target, Random random)
    {
        var body = target.Valid();
        switch (random.Next(12))
        {
            case 0:
                var text = body.ToJsonString();
                return (Encoding.UTF8.GetBytes(text[..random.Next(text.Length)]), "application/json", "truncated");
            case 1:
                var bytes = Encoding.UTF8.GetBytes(body.ToJsonString()).ToList();
                bytes.Insert(random.Next(1, bytes.Count - 1), (byte)(0x80 + random.Next(0x40)));
                bytes.Insert(random.Next(1, bytes.Count - 1), 0xFF);
                return ([.. bytes], "application/json", "invalid UTF-8");
            case 2:
                var deep = new StringBuilder();
                var depth = random.Next(40, 400);
                deep.Append('{').Append("\"x\":");
                for (var d = 0; d < depth; d++)
                {
                    deep.Append('[');
                }

                deep.Append(new string(']', depth)).Append('}');
                return (Encoding.UTF8.GetBytes(deep.ToString()), "application/json", "deep nesting");
            case 3:
                return (Encoding.UTF8.GetBytes(new[] { "", "null", "[]", "\"s\"", "42", "true", "{}" }[random.Next(7)]), "application/json", "not an object");
            case 4:
                return (Encoding.UTF8.GetBytes(body.ToJsonString()), new[] { "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded" }[random.Next(4)], "wrong content type");
            case 5:
                body["unexpected" + random.Next(1000)] = Junk(random);
                return (Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json", "unknown member");
            default:
                var key = PoisonableKey(body, random);
                body[key] = Poison(random);
                // A writer cannot emit a lone surrogate, so it goes in as the escape a hostile client would send.
                var json = body.ToJsonString().Replace($"\"{LoneSurrogate}\"", "\"a\\ud800b\"", StringComparison.Ordinal);
                return (Encoding.UTF8.GetBytes(json), "application/json", $"poisoned {key}");
        }
    }

    /// <summary>A member whose value is checked: required, typed or pattern-bound, never free text that any string satisfies.</summary>
    private static string PoisonableKey(JsonObject body, Random random)
    {
        string[] checkedKeys = ["name", "riskTier", "artifact", "datasets", "dependencies", "parameters", "metrics", "decision", "version", "environment", "url", "eventTypes", "parentVersion", "tags", "comment", "reason"];
        var present = body.Select(p => p.Key).Where(k => checkedKeys.Contains(k)).ToList();
        return present[random.Next(present.Count)];
    }

    /// <summary>Values no checked member accepts.</summary>
    private static JsonNode? Poison(Random random) => random.Next(10) switch
    {
        0 => JsonValue.Create("\u0000\u0001"),
        1 => JsonValue.Create(LoneSurrogate),
        2 => JsonValue.Create(new string('Z', random.Next(20_000, 200_000))),
        3 => new JsonArray([.. Enumerable.Range(0, random.Next(1001, 12_000)).Select(n => (JsonNode?)JsonValue.Create(n))]),
        4 => JsonValue.Create(-1),
        5 => JsonValue.Create(2147483648L),
        6 => JsonValue.Create(1e300),
        7 => new JsonObject { ["nested"] = new JsonObject { ["deeper"] = new JsonArray(null, true, "x") } },
        8 => JsonValue.Create(" "),
        _ => JsonValue.Create(false),
    };

    private static JsonNode? Junk(Random random) => random.Next(3) switch
    {
        0 => JsonValue.Create("x"),
        1 => JsonValue.Create(random.Next()),
        _ => null,
    };
}

// Account events to and from the JSON of the log: the type name is the record's name, the data its
// members in camelCase, times as RFC 3339 UTC with microseconds (the log's precision).
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Registry.Core.Identity;

public static class UserEventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new UtcTimeConverter() },
    };

    private static readonly Dictionary<string, Type> Types = new[]
    {
        typeof(UserCreated), typeof(RolesGranted), typeof(RolesRevoked), typeof(PasswordChanged), typeof(TokenIssued),
        typeof(TokenRevoked), typeof(SignedIn), typeof(SignInFailed), typeof(AccountLockedOut), typeof(AccountUnlocked),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> TypeNames => Types.Keys;

    public static string TypeName(IUserEvent @event) => @event.GetType().Name;

    public static JsonObject Serialize(IUserEvent @event) =>
        JsonSerializer.SerializeToNode(@event, @event.GetType(), Options)!.AsObject();

    /// <summary>The event, or null for a type this version does not know (a newer writer).</summary>
    public static IUserEvent? Deserialize(string type, JsonElement data) =>
        Types.TryGetValue(type, out var t) ? (IUserEvent?)data.Deserialize(t, Options) : null;

    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
    }
}

// Events on the wire of the log: type name = record name, data = the record in camelCase JSON
// (nulls omitted). Reading tolerates unknown members, so old events stay readable as records grow.
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Registry.Core.Models;

public static class ModelEventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly FrozenDictionary<string, Type> Types = typeof(ModelEvent).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(ModelEvent)) && !t.IsAbstract)
        .ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    public static string StreamOf(string modelName) => "model-" + modelName;

    public static bool IsModelEvent(string type) => Types.ContainsKey(type);

    public static string TypeName(ModelEvent @event) => @event.GetType().Name;

    public static JsonObject Serialize(ModelEvent @event) => JsonSerializer.SerializeToNode(@event, @event.GetType(), Options)!.AsObject();

    public static ModelEvent? Deserialize(string type, JsonElement data) =>
        Types.TryGetValue(type, out var t) ? (ModelEvent?)data.Deserialize(t, Options) : null;
}

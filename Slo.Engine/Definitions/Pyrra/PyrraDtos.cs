using Slo.Engine.Definitions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Slo.Engine.Definitions.Pyrra;

// The shape of a Pyrra `apiVersion: pyrra.dev/v1alpha1, kind: ServiceLevelObjective` as written. Kubernetes' own
// metadata (uid, resourceVersion ...) and status are not judged; name, namespace and labels are read.

internal sealed record PyrraDocumentDto(
    SourceLocation At,
    YamlScalar? Kind,
    YamlScalar? Name,
    YamlScalar? Namespace,
    IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? Labels,
    PyrraSpecDto? Spec)
{
    public static PyrraDocumentDto Read(YamlMap map)
    {
        map.Scalar("apiVersion");
        var kind = map.Scalar("kind", required: true);
        map.Node("status");
        YamlScalar? name = null, ns = null;
        IReadOnlyList<(YamlScalar, YamlScalar)>? labels = null;
        if (map.Map("metadata", required: true) is { } metadata)
        {
            name = metadata.Scalar("name", required: true);
            ns = metadata.Scalar("namespace");
            labels = metadata.StringMap("labels");
            // The rest of Kubernetes' metadata (annotations, uid, generation ...) says nothing about the objective.
        }

        var spec = kind?.Text == "ServiceLevelObjective" ? map.Map("spec", required: true) : null;
        if (spec is null)
            map.Node("spec");
        var dto = new PyrraDocumentDto(map.At, kind, name, ns, labels, spec is null ? null : PyrraSpecDto.Read(spec));
        map.RejectUnknownKeys();
        return dto;
    }
}

internal sealed record PyrraSpecDto(
    SourceLocation At,
    string Path,
    YamlScalar? Description,
    YamlScalar? Target,
    YamlScalar? Window,
    PyrraIndicatorDto? Indicator,
    PyrraAlertingDto? Alerting,
    IReadOnlyList<(SourceLocation At, string Path)> RuleTuning)
{
    public static PyrraSpecDto Read(YamlMap map)
    {
        var tuning = new List<(SourceLocation, string)>();
        foreach (var key in new[] { "partial_response_strategy", "performanceOverAccuracy", "ruleOutput" })
        {
            if (map.Node(key) is { } node)
                tuning.Add((YamlMap.Locate(node, map.File), map.Child(key)));
        }

        var dto = new PyrraSpecDto(
            map.At,
            map.Path,
            map.Scalar("description"),
            map.Scalar("target", required: true),
            map.Scalar("window", required: true),
            map.Map("indicator", required: true) is { } i ? PyrraIndicatorDto.Read(i) : null,
            map.Map("alerting") is { } a ? PyrraAlertingDto.Read(a) : null,
            tuning);
        map.RejectUnknownKeys();
        return dto;
    }
}

/// <summary>One of <c>ratio</c>, <c>latency</c>, <c>latencyNative</c>, <c>bool_gauge</c>, each with its queries.</summary>
internal sealed record PyrraIndicatorDto(SourceLocation At, string Path, IReadOnlyList<PyrraSliDto> Kinds)
{
    public static PyrraIndicatorDto Read(YamlMap map)
    {
        var kinds = new List<PyrraSliDto>();
        if (map.Map("ratio") is { } ratio)
            kinds.Add(PyrraSliDto.Read(ratio, "ratio", ("errors", "errors"), ("total", "total")));
        if (map.Map("latency") is { } latency)
            kinds.Add(PyrraSliDto.Read(latency, "latency", ("success", "success"), ("total", "total")));
        if (map.Map("latencyNative") is { } native)
            kinds.Add(PyrraSliDto.Read(native, "latencyNative", ("total", "total")));
        if (map.Map("bool_gauge") is { } gauge)
            kinds.Add(PyrraSliDto.Read(gauge, "bool_gauge", ("metric", "")));
        map.RejectUnknownKeys();
        return new PyrraIndicatorDto(map.At, map.Path, kinds);
    }
}

/// <summary>An indicator's metrics by role (<c>errors</c>, <c>success</c>, <c>total</c>, or the bool gauge's own
/// <c>metric</c>), each a <c>{ metric: SELECTOR }</c> mapping, and its grouping.</summary>
internal sealed record PyrraSliDto(
    SourceLocation At,
    string Path,
    string Kind,
    IReadOnlyDictionary<string, (YamlScalar? Metric, SourceLocation At, string Path)> Metrics,
    IReadOnlyList<YamlScalar>? Grouping,
    YamlScalar? Latency)
{
    /// <param name="roles">(role, key): the key holds a <c>{ metric }</c> mapping, or is the metric itself when empty.</param>
    public static PyrraSliDto Read(YamlMap map, string kind, params (string Role, string Key)[] roles)
    {
        var metrics = new Dictionary<string, (YamlScalar?, SourceLocation, string)>(StringComparer.Ordinal);
        foreach (var (role, key) in roles)
        {
            if (key.Length == 0)
            {
                metrics[role] = (map.Scalar(role), map.At, map.Child(role));
                continue;
            }

            var query = map.Map(key);
            metrics[role] = (query?.Scalar("metric"), query?.At ?? map.At, query?.Child("metric") ?? map.Child(key));
            query?.RejectUnknownKeys();
        }

        var latency = kind == "latencyNative" ? map.Scalar("latency") : null;
        // An empty list groups nothing: the objective is an ordinary one.
        var grouping = map.Sequence("grouping")?.Select(item => map.AsScalar(item.Node, item.Path)).OfType<YamlScalar>().ToArray();
        map.RejectUnknownKeys();
        return new PyrraSliDto(map.At, map.Path, kind, metrics, grouping is { Length: > 0 } ? grouping : null, latency);
    }
}

internal sealed record PyrraAlertingDto(
    SourceLocation At,
    string Path,
    YamlScalar? Disabled,
    YamlScalar? Burnrates,
    YamlScalar? Absent,
    IReadOnlyList<string> Names)
{
    public static PyrraAlertingDto Read(YamlMap map)
    {
        var names = new List<string>();
        foreach (var key in new[] { "name", "absentName" })
        {
            if (map.Scalar(key) is not null)
                names.Add(key);
        }

        if (map.Map("severities") is { } severities)
        {
            foreach (var key in new[] { "absent", "fastBurn", "mediumBurn", "slowBurn", "longTermBurn" })
                severities.Scalar(key);
            severities.RejectUnknownKeys();
            names.Add("severities");
        }

        var dto = new PyrraAlertingDto(map.At, map.Path, map.Scalar("disabled"), map.Scalar("burnrates"), map.Scalar("absent"), names);
        map.RejectUnknownKeys();
        return dto;
    }
}

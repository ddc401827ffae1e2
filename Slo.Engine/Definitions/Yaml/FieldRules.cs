using System.Globalization;
using Slo.Engine.Time;

namespace Slo.Engine.Definitions.Yaml;

/// <summary>Judges single values shared by both formats; every failure lands in the bag with the value's place.</summary>
internal sealed class FieldRules(DiagnosticBag bag)
{
    /// <summary>Labels this service sets itself on metrics and alerts; a definition may not reuse them.</summary>
    private static readonly HashSet<string> ReservedLabels =
        ["alertname", "service", "objective", "signal", "severity", "window", "long_window", "short_window", "slo_id", "le", "job", "instance"];

    /// <summary>Whether the service sets <paramref name="label"/> itself on metrics and alerts.</summary>
    public static bool IsReservedLabel(string label) => ReservedLabels.Contains(label);

    public DiagnosticBag Bag => bag;

    public void Error(YamlScalar at, string message) => bag.Error(at.At, at.Path, message);

    public Duration? Duration(YamlScalar? value)
    {
        if (value is null)
            return null;
        if (DurationText.TryParse(value.Text, out var d, out var error))
            return d;
        Error(value, error);
        return null;
    }

    public double? Number(YamlScalar? value)
    {
        if (value is null)
            return null;
        if (value.TryDouble(out var d))
            return d;
        Error(value, $"'{value.Text}' is not a number");
        return null;
    }

    public bool? Bool(YamlScalar? value)
    {
        if (value is null)
            return null;
        if (value.TryBool(out var b))
            return b;
        Error(value, $"'{value.Text}' is not true or false");
        return null;
    }

    public DateTimeZone? Zone(YamlScalar? value)
    {
        if (value is null)
            return DateTimeZone.Utc;
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(value.Text);
        if (zone is null)
            Error(value, $"unknown time zone '{value.Text}': use an IANA name such as Europe/Berlin or America/New_York");
        return zone;
    }

    /// <summary>A service or objective name: it becomes part of URLs, metric labels and alert names.</summary>
    public string? Name(YamlScalar? value)
    {
        if (value is null)
            return null;
        if (ObjectiveId.IsValidPart(value.Text))
            return value.Text;
        Error(value, $"'{value.Text}' is not a valid name: use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128)");
        return null;
    }

    public SeriesSelector? Selector(YamlScalar? value)
    {
        if (value is null)
            return null;
        if (SeriesSelector.TryParse(value.Text, out var selector, out var error))
            return selector;
        Error(value, $"not a series selector: {error}");
        return null;
    }

    public Dictionary<string, string> Labels(IReadOnlyList<(YamlScalar Key, YamlScalar Value)>? labels)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? [])
        {
            if (!SeriesSelector.IsLabelName(key.Text) || key.Text.StartsWith("__", StringComparison.Ordinal))
                bag.Error(key.At, key.Path, $"'{key.Text}' is not a valid Prometheus label name");
            else if (ReservedLabels.Contains(key.Text))
                bag.Error(key.At, key.Path, $"'{key.Text}' is set by the service itself and cannot be a definition label");
            else
                result[key.Text] = value.Text;
        }

        return result;
    }

    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

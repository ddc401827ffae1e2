using System.Globalization;

namespace Slo.Benchmarks;

/// <summary>The samples of a Prometheus text exposition (a /metrics page), by metric name and one label.</summary>
internal sealed class MetricsText
{
    private readonly List<(string Name, string Labels, double Value)> _samples = [];

    private MetricsText()
    {
    }

    public static MetricsText Parse(string text)
    {
        var metrics = new MetricsText();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var close = brace < 0 ? -1 : line.LastIndexOf('}');
            var name = brace < 0 ? line[..line.IndexOf(' ', StringComparison.Ordinal)] : line[..brace];
            var labels = brace < 0 ? "" : line[(brace + 1)..close];
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                metrics._samples.Add((name, labels, value));
        }

        return metrics;
    }

    /// <summary>The sum over every series of <paramref name="name"/>; 0 when there is none.</summary>
    public double Sum(string name) => _samples.Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>The series of <paramref name="name"/> keyed by the value of <paramref name="label"/>.</summary>
    public IReadOnlyDictionary<string, double> ByLabel(string name, string label)
    {
        var prefix = label + "=\"";
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (_, labels, value) in _samples.Where(s => s.Name == name))
        {
            var start = labels.IndexOf(prefix, StringComparison.Ordinal);
            if (start < 0)
                continue;
            start += prefix.Length;
            result[labels[start..labels.IndexOf('"', start)]] = value;
        }

        return result;
    }
}

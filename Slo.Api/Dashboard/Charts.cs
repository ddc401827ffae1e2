using System.Globalization;
using System.Text;

namespace Slo.Api.Dashboard;

/// <summary>Inline SVG drawing: a budget bar and line charts over time. No script, no external assets.</summary>
internal static class Charts
{
    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A bar of the remaining budget: green, amber under 25%, red when overspent (drawn from the left edge).</summary>
    public static string BudgetBar(double? remaining)
    {
        if (remaining is not { } r)
            return "<svg class=\"bar\" viewBox=\"0 0 120 12\" role=\"img\" aria-label=\"no budget\"><rect width=\"120\" height=\"12\" rx=\"3\" fill=\"#eaeef2\"/></svg>";
        var color = r < 0 ? "#cf222e" : r < 0.25 ? "#bf8700" : "#1a7f37";
        var width = r < 0 ? 120 : Math.Clamp(r, 0, 1) * 120;
        return $"<svg class=\"bar\" viewBox=\"0 0 120 12\" role=\"img\" aria-label=\"budget remaining {Html.Percent(r, 1)}\">" +
               "<rect width=\"120\" height=\"12\" rx=\"3\" fill=\"#eaeef2\"/>" +
               $"<rect width=\"{F(width)}\" height=\"12\" rx=\"3\" fill=\"{color}\"/></svg>";
    }

    /// <summary>A line chart of (instant, value) points between <paramref name="from"/> and <paramref name="to"/>;
    /// null values break the line. Horizontal reference lines are drawn dashed and labelled.</summary>
    public static string Line(
        string label,
        IReadOnlyList<(Instant At, double? Value)> points,
        Instant from,
        Instant to,
        IReadOnlyList<(double Value, string Label)> references,
        Func<double, string> format,
        DateTimeZone zone)
    {
        const double width = 640, height = 220, left = 56, right = 12, top = 12, bottom = 28;
        var values = points.Where(p => p.Value is not null).Select(p => p.Value!.Value).Concat(references.Select(r => r.Value)).ToArray();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{Html.E(label)}\">");
        if (values.Length == 0 || to <= from)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\">no data yet</text></svg>");
            return sb.ToString();
        }

        var min = values.Min();
        var max = values.Max();
        if (max - min < 1e-9)
        {
            min -= 0.5 * Math.Max(Math.Abs(min), 0.001);
            max += 0.5 * Math.Max(Math.Abs(max), 0.001);
        }

        var pad = (max - min) * 0.08;
        min -= pad;
        max += pad;
        double X(Instant t) => left + (t - from).TotalSeconds / (to - from).TotalSeconds * (width - left - right);
        double Y(double v) => top + (max - v) / (max - min) * (height - top - bottom);

        // Axes: three value ticks and the window's ends in the objective's zone.
        foreach (var v in new[] { min + pad, (min + max) / 2, max - pad })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{F(Y(v))}\" y2=\"{F(Y(v))}\" stroke=\"#d0d7de\" stroke-width=\"0.5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 4}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{Html.E(format(v))}</text>");
        }

        var pattern = NodaTime.Text.ZonedDateTimePattern.CreateWithInvariantCulture("MMM d HH:mm", null);
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 8}\">{Html.E(pattern.Format(from.InZone(zone)))}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right}\" y=\"{height - 8}\" text-anchor=\"end\">{Html.E(pattern.Format(to.InZone(zone)))}</text>");

        foreach (var (value, text) in references)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{F(Y(value))}\" y2=\"{F(Y(value))}\" stroke=\"#cf222e\" stroke-dasharray=\"4 3\" stroke-width=\"1\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - right - 2}\" y=\"{F(Y(value) - 3)}\" text-anchor=\"end\">{Html.E(text)}</text>");
        }

        // One polyline per run of known values.
        var run = new List<string>();
        void Flush()
        {
            if (run.Count == 1)
                sb.Append(CultureInfo.InvariantCulture, $"<circle class=\"point\" cx=\"{run[0].Split(',')[0]}\" cy=\"{run[0].Split(',')[1]}\" r=\"2\" fill=\"#0969da\"/>");
            else if (run.Count > 1)
                sb.Append("<polyline class=\"series\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.6\" points=\"").AppendJoin(' ', run).Append("\"/>");
            run.Clear();
        }

        foreach (var (at, value) in points.Where(p => p.At >= from && p.At <= to).OrderBy(p => p.At))
        {
            if (value is { } v)
                run.Add($"{F(X(at))},{F(Y(v))}");
            else
                Flush();
        }

        Flush();
        sb.Append("</svg>");
        return sb.ToString();
    }
}

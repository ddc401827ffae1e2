using System.Globalization;
using NodaTime.Text;
using Slo.Engine.Definitions;

namespace Slo.Api.Dashboard;

/// <summary>How the dashboard writes numbers, instants and links: plain text, invariant culture. The components encode it.</summary>
internal static class DashboardText
{
    private static readonly ZonedDateTimePattern ZonedPattern = ZonedDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm", null);

    public static string Percent(double? fraction, int decimals = 3) =>
        fraction is { } f ? (f * 100).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture) + "%" : "–";

    public static string Number(double? value, string format = "0.##") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Age(double? seconds) => seconds switch
    {
        null => "–",
        < 90 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0}s"),
        < 5400 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0}m"),
        < 172800 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0}h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0}d"),
    };

    /// <summary>An instant as local date and minute in <paramref name="zone"/>.</summary>
    public static string Zoned(Instant at, DateTimeZone zone) => ZonedPattern.Format(at.InZone(zone));

    public static string ObjectiveLink(Objective o) => $"/objectives/{Uri.EscapeDataString(o.Service)}/{Uri.EscapeDataString(o.Name)}";

    public static string ObjectiveApiLink(Objective o) => $"/api/v1/objectives/{Uri.EscapeDataString(o.Service)}/{Uri.EscapeDataString(o.Name)}";

    public static string ServiceApiLink(string service) => $"/api/v1/services/{Uri.EscapeDataString(service)}";
}

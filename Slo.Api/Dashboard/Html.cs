using System.Globalization;
using System.Net;
using System.Text;

namespace Slo.Api.Dashboard;

/// <summary>Small helpers for server-rendered HTML: every value from definitions or data goes through <see cref="E"/>.</summary>
internal static class Html
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Percent(double? fraction, int decimals = 3) =>
        fraction is { } f ? (f * 100).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture) + "%" : "–";

    public static string Number(double? value, string format = "0.##") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    public static string Age(double? seconds) => seconds switch
    {
        null => "–",
        < 90 => $"{seconds:0}s",
        < 5400 => $"{seconds / 60:0}m",
        < 172800 => $"{seconds / 3600:0}h",
        _ => $"{seconds / 86400:0}d",
    };

    public static string Link(string service, string name) => $"/objectives/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(name)}";

    public static string ApiLink(string service, string name) => $"/api/v1/objectives/{Uri.EscapeDataString(service)}/{Uri.EscapeDataString(name)}";

    /// <summary>The page frame: inline styles only, no external assets, readable on a phone, refreshes itself.</summary>
    public static string Page(string title, string body, int refreshSeconds = 30)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{refreshSeconds}\">");
        sb.Append("<title>").Append(E(title)).Append("</title><style>").Append(Style).Append("</style></head><body>");
        sb.Append("<header><a class=\"home\" href=\"/\">SLO service</a><nav><a href=\"/api/v1/objectives\">JSON</a><a href=\"/api/v1/alerts\">alerts</a>");
        sb.Append("<a href=\"/openapi/v1.json\">OpenAPI</a><a href=\"/metrics\">metrics</a></nav></header><main>");
        sb.Append(body).Append("</main></body></html>");
        return sb.ToString();
    }

    private const string Style = """
        :root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff}
        header{display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between;padding:10px 16px;background:#24292f}
        header a{color:#fff;text-decoration:none;margin-left:14px}header .home{font-weight:600;margin-left:0}
        main{padding:16px;max-width:1200px;margin:0 auto}h1{font-size:22px;margin:4px 0 12px}h2{font-size:18px;margin:0}
        h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:10px 0 6px}
        a{color:#0969da}.muted{color:var(--muted)}.service{border:1px solid var(--line);border-radius:8px;padding:12px;margin:0 0 16px}
        .service-head{display:flex;flex-wrap:wrap;align-items:center;gap:8px}.signals{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
        table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:5px 6px;border-bottom:1px solid var(--line);vertical-align:middle}
        th{font-weight:600;color:var(--muted);font-size:12px}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--muted)}
        .pass,.ok{background:var(--ok)}.warn,.ticket{background:var(--warn)}.fail,.page,.error{background:var(--bad)}.unknown,.stale,.no_data{background:#6e7781}
        .bar{width:120px;height:12px}.empty{color:var(--muted);font-style:italic}.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
        .facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0 0 12px}.facts dt{color:var(--muted)}.facts dd{margin:0}
        svg.chart{width:100%;height:auto;background:var(--bg);border-radius:6px}svg text{font-size:11px;fill:var(--muted)}
        .wrap{overflow-x:auto}
        @media (max-width:640px){main{padding:10px}.signals,.grid2{grid-template-columns:1fr}.bar{width:64px}.opt{display:none}th,td{padding:4px 3px}}
        """;
}

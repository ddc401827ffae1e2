using System.Net;
using System.Text;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;

namespace Slo.Api.Hosting;

/// <summary>GET /: a plain overview until the full dashboard lands; every value is HTML-encoded.</summary>
public static class DashboardPage
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (DefinitionCatalog catalog, StatusBoard board) =>
        {
            var sb = new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SLO service</title></head><body><h1>Objectives</h1><ul>");
            foreach (var o in catalog.Current.Objectives)
            {
                var status = board.Get(o.Id);
                var id = WebUtility.HtmlEncode(o.Id.ToString());
                sb.Append($"<li><a href=\"/api/v1/objectives/{Uri.EscapeDataString(o.Service)}/{Uri.EscapeDataString(o.Name)}\">{id}</a> ({o.Signal.ToString().ToLowerInvariant()}): ");
                sb.Append(WebUtility.HtmlEncode(status is null ? "not evaluated yet" : $"{status.State}, budget remaining {status.Budget?.Remaining:P2}"));
                sb.Append("</li>");
            }

            sb.Append("</ul><p><a href=\"/api/v1/objectives\">JSON</a> · <a href=\"/openapi/v1.json\">OpenAPI</a> · <a href=\"/metrics\">metrics</a></p></body></html>");
            return Results.Content(sb.ToString(), "text/html; charset=utf-8");
        }).ExcludeFromDescription();
        return app;
    }
}

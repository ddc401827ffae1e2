using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Slo.Api.Api;
using Slo.Api.Evaluation;
using Slo.Api.Hosting;
using Slo.Api.Storage;
using Slo.Engine;
using Slo.Engine.Alerting;

namespace Slo.Api.Alerting;

/// <summary>An alert as Alertmanager's v2 API takes it (and as webhooks receive it).</summary>
public sealed record PostableAlert(
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    Instant StartsAt,
    Instant? EndsAt,
    [property: JsonPropertyName("generatorURL")] string GeneratorUrl);

/// <summary>The body a webhook receives.</summary>
public sealed record WebhookPayload(string Status, IReadOnlyList<PostableAlert> Alerts);

/// <summary>
/// Delivers alerts apart from evaluation, so a slow or absent receiver never holds up the numbers. To Alertmanager:
/// every firing alert, again every <see cref="AlertingOptions.ResendInterval"/> with <c>endsAt</c> four intervals
/// ahead (so Alertmanager resolves it by itself if this service dies), and each resolution once with its real
/// <c>endsAt</c>. To webhooks: each start and each resolution, signed with HMAC-SHA256. Failures are retried with
/// exponential backoff and counted in <c>slo_alert_deliveries_total</c>.
/// </summary>
public sealed class AlertDispatcher(
    AlertTracker tracker,
    StatusBoard board,
    IHttpClientFactory httpFactory,
    IClock clock,
    IOptions<AlertingOptions> options,
    Metrics.SloMetrics metrics,
    DeliveryClaims claims,
    Cluster.ClusterMembership cluster,
    ILogger<AlertDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "alerting";
    private static readonly JsonSerializerOptions Json = ApiJson.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    private readonly Dictionary<string, (Instant NextAttempt, Duration Backoff)> _backoff = [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await tracker.EnsureLoadedAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.GetDispatchInterval().ToTimeSpan();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DispatchOnceAsync(stoppingToken);
                await Task.Delay(interval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Alert dispatch failed");
            }
        }
    }

    /// <summary>Delivers what is due now; returns the number of alerts sent successfully.</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        await tracker.EnsureLoadedAsync(cancellationToken);
        var o = options.Value;
        var now = clock.Now();
        // With several replicas, each delivers the alerts of the objectives it evaluates.
        var records = tracker.Snapshot().Where(r => cluster.Owns(r.ObjectiveId)).ToArray();
        var sent = 0;

        if (o.AlertmanagerUrl.Length > 0 && Due("alertmanager", now))
        {
            var resend = o.GetResendInterval();
            // Firing alerts are sent again and again (Alertmanager takes them as one); a resolution is sent once, claimed first.
            var firing = records.Where(r => r.State == AlertRecord.Firing && (r.LastSentAt is not { } last || now - last >= resend));
            var (resolutions, claimed) = await ClaimAsync(records.Where(r => r.State == AlertRecord.Resolved && !r.ResolutionSent).ToArray(), "resolved", "alertmanager", now, cancellationToken);
            var due = firing.Concat(resolutions).ToArray();
            if (due.Length > 0)
            {
                var alerts = due.Select(r => ToAlert(r, now, resend * 4)).OfType<PostableAlert>().ToArray();
                var url = new Uri(new Uri(o.AlertmanagerUrl.TrimEnd('/') + "/"), "api/v2/alerts");
                if (await SendAsync("alertmanager", url, JsonSerializer.SerializeToUtf8Bytes(alerts, Json), null, now, cancellationToken))
                {
                    await claims.MarkSentAsync(claimed, now, cancellationToken);
                    await tracker.MarkAsync(due, r =>
                    {
                        if (r.State == AlertRecord.Firing)
                            r.LastSentAt = now;
                        else
                            r.ResolutionSent = true;
                    }, cancellationToken);
                    sent += alerts.Length;
                }
            }
        }

        for (var i = 0; i < o.Webhooks.Count; i++)
        {
            var hook = o.Webhooks[i];
            var target = $"webhook{i}";
            if (!Due(target, now))
                continue;
            var starts = records.Where(r => r.State == AlertRecord.Firing && !r.WebhookFiringSent).ToArray();
            var ends = records.Where(r => r.State == AlertRecord.Resolved && !r.WebhookResolvedSent).ToArray();
            foreach (var (candidates, status) in new[] { (starts, "firing"), (ends, "resolved") })
            {
                var (batch, claimed) = await ClaimAsync(candidates, status, target, now, cancellationToken);
                if (batch.Length == 0)
                    continue;
                var body = JsonSerializer.SerializeToUtf8Bytes(new WebhookPayload(status, batch.Select(r => ToAlert(r, now, null)).OfType<PostableAlert>().ToArray()), Json);
                if (await SendAsync(target, new Uri(hook.Url), body, hook.Secret, now, cancellationToken))
                {
                    await claims.MarkSentAsync(claimed, now, cancellationToken);
                    // With several webhooks, each start or end is delivered at least once to each: a failing one
                    // keeps the flag down and the others may hear it again.
                    if (i == o.Webhooks.Count - 1)
                    {
                        await tracker.MarkAsync(batch, r =>
                        {
                            if (status == "firing")
                                r.WebhookFiringSent = true;
                            else
                                r.WebhookResolvedSent = true;
                        }, cancellationToken);
                    }

                    sent += batch.Length;
                }
            }
        }

        return sent;
    }

    /// <summary>
    /// Claims each transition of <paramref name="records"/> for <paramref name="target"/> in SQL before it is sent, so
    /// that two replicas (one taking over from the other) never both send it; returns the records this replica may send.
    /// </summary>
    private async Task<(AlertRecord[] Records, IReadOnlyList<DeliveryClaims.Delivery> Claimed)> ClaimAsync(
        AlertRecord[] records, string kind, string target, Instant now, CancellationToken cancellationToken)
    {
        if (records.Length == 0)
            return ([], []);
        var wanted = records.ToDictionary(r => new DeliveryClaims.Delivery(r.ObjectiveId, r.TierKey, r.StartedAt, kind, target));
        var claimed = await claims.ClaimAsync(wanted.Keys, cluster.ReplicaId, now, cancellationToken);
        return (claimed.Select(d => wanted[d]).ToArray(), claimed);
    }

    /// <summary>The HMAC-SHA256 signature header value of a webhook body.</summary>
    public static string Sign(byte[] body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private bool Due(string target, Instant now) => !_backoff.TryGetValue(target, out var b) || now >= b.NextAttempt;

    private async Task<bool> SendAsync(string target, Uri url, byte[] body, string? secret, Instant now, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            if (secret is not null)
                request.Headers.Add("X-Slo-Signature", Sign(body, secret));
            using var response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            _backoff.Remove(target);
            metrics.RecordDelivery(target, success: true);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            var backoff = _backoff.TryGetValue(target, out var b) ? Duration.Min(b.Backoff * 2, Duration.FromMinutes(1)) : Duration.FromSeconds(1);
            _backoff[target] = (now + backoff, backoff);
            metrics.RecordDelivery(target, success: false);
            logger.LogWarning("Delivering alerts to {Target} ({Url}) failed, next try in {Backoff}: {Error}", target, url, backoff, e.Message);
            return false;
        }
    }

    private PostableAlert? ToAlert(AlertRecord record, Instant now, Duration? firingFor)
    {
        var objective = tracker.FindObjective(record.ObjectiveId, record.TierKey);
        if (objective is not null && record.TierKey is ConditionAlerts.NoDataKey or ConditionAlerts.ExhaustionKey)
            return ConditionAlert(objective, record, now, firingFor);
        var tier = objective?.Alerting.Tiers.FirstOrDefault(t => t.Key == record.TierKey);
        if (objective is null || tier is null)
            return null;
        var status = board.Get(objective.Id);
        var evaluation = status?.Alerts.FirstOrDefault(a => a.Tier.Key == tier.Key);
        var labels = new Dictionary<string, string>(objective.Labels)
        {
            ["alertname"] = Engine.Rules.PrometheusRules.AlertName,
            ["service"] = objective.Service,
            ["objective"] = objective.Name,
            ["signal"] = objective.Signal.ToName(),
            ["severity"] = tier.Severity.ToName(),
            ["long_window"] = BurnWindows.Label(tier.LongWindow),
            ["short_window"] = BurnWindows.Label(tier.ShortWindow),
        };
        string Rate(double? r) => r?.ToString("0.##", CultureInfo.InvariantCulture) ?? "n/a";
        var link = $"{options.Value.ExternalUrl.TrimEnd('/')}/api/v1/objectives/{Uri.EscapeDataString(objective.Service)}/{Uri.EscapeDataString(objective.Name)}";
        var annotations = new Dictionary<string, string>
        {
            ["summary"] = $"{objective.Id} is burning its {objective.Signal.ToName()} error budget at {Rate(evaluation?.LongBurnRate)}x over {BurnWindows.Label(tier.LongWindow)} " +
                          $"and {Rate(evaluation?.ShortBurnRate)}x over {BurnWindows.Label(tier.ShortWindow)} (threshold {Rate(evaluation?.Factor)}x)",
            ["burn_rate_long"] = Rate(evaluation?.LongBurnRate),
            ["burn_rate_short"] = Rate(evaluation?.ShortBurnRate),
            ["factor"] = Rate(evaluation?.Factor),
            ["budget_remaining"] = status?.Budget?.Remaining.ToString("0.####", CultureInfo.InvariantCulture) ?? "unknown",
            ["objective_url"] = link,
        };
        var ends = record.State == AlertRecord.Resolved ? record.ResolvedAt : firingFor is { } f ? now + f : null;
        return new PostableAlert(labels, annotations, record.StartedAt, ends, link);
    }

    /// <summary>SLONoData and SLOBudgetExhaustion: the same labels as the burn alerts but the windows, the same delivery.</summary>
    private PostableAlert ConditionAlert(Engine.Definitions.Objective objective, AlertRecord record, Instant now, Duration? firingFor)
    {
        var status = board.Get(objective.Id);
        var evaluation = status?.Conditions.FirstOrDefault(c => c.Key == record.TierKey);
        var noData = record.TierKey == ConditionAlerts.NoDataKey;
        var labels = new Dictionary<string, string>(objective.Labels)
        {
            ["alertname"] = noData ? ConditionAlerts.NoDataName : ConditionAlerts.ExhaustionName,
            ["service"] = objective.Service,
            ["objective"] = objective.Name,
            ["signal"] = objective.Signal.ToName(),
            ["severity"] = (noData ? Severity.Page : Severity.Ticket).ToName(),
        };
        var link = $"{options.Value.ExternalUrl.TrimEnd('/')}/api/v1/objectives/{Uri.EscapeDataString(objective.Service)}/{Uri.EscapeDataString(objective.Name)}";
        var annotations = new Dictionary<string, string>
        {
            ["summary"] = evaluation?.Detail ?? (noData ? $"{objective.Id} has no events" : $"{objective.Id}'s error budget runs out"),
            ["budget_remaining"] = status?.Budget?.Remaining.ToString("0.####", CultureInfo.InvariantCulture) ?? "unknown",
            ["objective_url"] = link,
        };
        if (!noData)
            annotations["exhausts_at"] = evaluation?.ExhaustsAt is { } when ? NodaTime.Text.InstantPattern.ExtendedIso.Format(when) : "already exhausted";
        var ends = record.State == AlertRecord.Resolved ? record.ResolvedAt : firingFor is { } f ? now + f : null;
        return new PostableAlert(labels, annotations, record.StartedAt, ends, link);
    }
}

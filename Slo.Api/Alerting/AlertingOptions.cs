using System.ComponentModel.DataAnnotations;
using Slo.Engine.Time;

namespace Slo.Api.Alerting;

/// <summary>The <c>Alerting</c> configuration section.</summary>
public sealed class AlertingOptions : IValidatableObject
{
    public const string Section = "Alerting";

    /// <summary>Alertmanager's base URL (alerts go to its /api/v2/alerts); empty sends none.</summary>
    public string AlertmanagerUrl { get; set; } = "";

    /// <summary>How often a firing alert is sent again; keep it well under Alertmanager's resolve_timeout (5m).</summary>
    public string ResendInterval { get; set; } = "1m";

    /// <summary>How often the dispatcher looks for alerts to deliver.</summary>
    public string DispatchInterval { get; set; } = "5s";

    /// <summary>The service's own address as people reach it, for links in alerts.</summary>
    public string ExternalUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Generic webhooks told when an alert starts firing and when it resolves.</summary>
    public List<WebhookOptions> Webhooks { get; set; } = [];

    public Duration GetResendInterval() => DurationText.Parse(ResendInterval);

    public Duration GetDispatchInterval() => DurationText.Parse(DispatchInterval);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { ("ResendInterval", ResendInterval), ("DispatchInterval", DispatchInterval) })
        {
            if (!DurationText.TryParse(value, out _, out var error))
                yield return new ValidationResult($"Alerting:{name}: {error}", [name]);
        }

        if (AlertmanagerUrl.Length > 0 && !Uri.TryCreate(AlertmanagerUrl, UriKind.Absolute, out _))
            yield return new ValidationResult($"Alerting:AlertmanagerUrl '{AlertmanagerUrl}' is not an absolute URL.", [nameof(AlertmanagerUrl)]);
        for (var i = 0; i < Webhooks.Count; i++)
        {
            if (!Uri.TryCreate(Webhooks[i].Url, UriKind.Absolute, out _))
                yield return new ValidationResult($"Alerting:Webhooks:{i}:Url '{Webhooks[i].Url}' is not an absolute URL.", ["Webhooks"]);
            if (string.IsNullOrEmpty(Webhooks[i].Secret))
                yield return new ValidationResult($"Alerting:Webhooks:{i}:Secret is required: receivers check the HMAC-SHA256 signature with it.", ["Webhooks"]);
        }
    }
}

public sealed class WebhookOptions
{
    public string Url { get; set; } = "";

    /// <summary>Key of the HMAC-SHA256 signature sent as <c>X-Slo-Signature: sha256=&lt;hex&gt;</c> over the raw body.</summary>
    public string Secret { get; set; } = "";
}

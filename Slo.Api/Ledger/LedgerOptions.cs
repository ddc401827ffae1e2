using System.ComponentModel.DataAnnotations;
using Slo.Engine.Time;

namespace Slo.Api.Ledger;

/// <summary>The <c>Ledger</c> configuration section: how the service keeps its own event counts.</summary>
public sealed class LedgerOptions : IValidatableObject
{
    public const string Section = "Ledger";

    /// <summary>The finest bucket length, kept for the last 7 hours: <c>auto</c> (1m where every series of an
    /// objective's total is scraped at least every 30 s, else 5m), or <c>1m</c> or <c>5m</c> for all. A bucket must
    /// hold two samples of every counter (Prometheus' <c>increase</c> needs two).</summary>
    [Required]
    public string FineBucket { get; set; } = "auto";

    /// <summary>Buckets ending less than this before a cycle are read again at the next one: samples that arrive
    /// late (slow scrapes, remote write, out-of-order ingestion) still count.</summary>
    [Required]
    public string SettleAfter { get; set; } = "5m";

    /// <summary>Objectives whose buckets go into one Prometheus request.</summary>
    [Range(1, 500)]
    public int BatchSize { get; set; } = 25;

    /// <summary>The configured finest bucket, or null for <c>auto</c>.</summary>
    public Duration? GetFineBucket() => FineBucket == "auto" ? null : DurationText.Parse(FineBucket);

    public Duration GetSettleAfter() => DurationText.Parse(SettleAfter);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FineBucket is not ("auto" or "1m" or "5m"))
            yield return new ValidationResult($"Ledger:FineBucket must be auto, 1m or 5m, not '{FineBucket}'.", [nameof(FineBucket)]);
        if (!DurationText.TryParse(SettleAfter, out var settle, out var error))
            yield return new ValidationResult($"Ledger:SettleAfter: {error}", [nameof(SettleAfter)]);
        else if (settle < Duration.Zero || settle > Duration.FromHours(6))
            yield return new ValidationResult("Ledger:SettleAfter must lie between 0s and 6h.", [nameof(SettleAfter)]);
    }
}

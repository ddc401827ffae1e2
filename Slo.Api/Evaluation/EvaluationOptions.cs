using System.ComponentModel.DataAnnotations;
using Slo.Engine.Time;

namespace Slo.Api.Evaluation;

/// <summary>The <c>Evaluation</c> configuration section.</summary>
public sealed class EvaluationOptions : IValidatableObject
{
    public const string Section = "Evaluation";

    /// <summary>How often every objective is evaluated, as a duration such as <c>30s</c> or <c>1m</c>.</summary>
    [Required]
    public string Interval { get; set; } = "30s";

    // A method, not a property: validation reads every property, and this one throws on the text it validates.
    public Duration GetInterval() => DurationText.Parse(Interval);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!DurationText.TryParse(Interval, out var d, out var error))
            yield return new ValidationResult($"Evaluation:Interval: {error}", [nameof(Interval)]);
        else if (d < Duration.FromSeconds(1))
            yield return new ValidationResult("Evaluation:Interval must be at least 1s.", [nameof(Interval)]);
    }
}

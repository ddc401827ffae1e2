namespace Slo.Engine.Alerting;

/// <summary>How urgently a burn needs a human: a page wakes someone, a ticket waits for working hours.</summary>
public enum Severity
{
    Page,
    Ticket,
}

public static class SeverityNames
{
    public static string ToName(this Severity severity) => severity switch
    {
        Severity.Page => "page",
        Severity.Ticket => "ticket",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };

    public static bool TryParse(string? text, out Severity severity)
    {
        switch (text)
        {
            case "page": severity = Severity.Page; return true;
            case "ticket": severity = Severity.Ticket; return true;
            default: severity = default; return false;
        }
    }
}

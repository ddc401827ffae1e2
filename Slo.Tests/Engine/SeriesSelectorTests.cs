using Slo.Engine.Definitions;

namespace Slo.Tests.Engine;

[TestFixture]
public class SeriesSelectorTests
{
    [Test]
    public void Parse_MetricWithMatchers_ReadsEveryPart()
    {
        var s = SeriesSelector.Parse("http_requests_total{job=\"checkout\", code=~'5..', path!=\"/health\", x!~`a\\b`}");
        Assert.Multiple(() =>
        {
            Assert.That(s.Metric, Is.EqualTo("http_requests_total"));
            Assert.That(s.Matchers.Select(m => m.Operator), Is.EqualTo(new[] { MatchOperator.Equal, MatchOperator.Regex, MatchOperator.NotEqual, MatchOperator.NotRegex }));
            Assert.That(s.Matchers[3].Value, Is.EqualTo("a\\b"), "backquoted strings take backslashes literally");
        });
    }

    [Test]
    public void ToString_Parsed_RendersCanonicalPromQl() =>
        Assert.That(SeriesSelector.Parse("up { job = 'x' }").ToString(), Is.EqualTo("up{job=\"x\"}"));

    [Test]
    public void Parse_NameMatcherOnly_BecomesMetric() =>
        Assert.That(SeriesSelector.Parse("{__name__=\"up\",job=\"a\"}").ToString(), Is.EqualTo("up{job=\"a\"}"));

    [TestCase("up) or vector(1", "unexpected text")]
    [TestCase("up{job=\"a\"} or on() vector(1)", "unexpected text")]
    [TestCase("up{job=a}", "quoted label value")]
    [TestCase("up{job=\"a\"", "unexpected end")]
    [TestCase("sum(up)", "unexpected text")]
    [TestCase("{}", "metric name or at least one label matcher")]
    [TestCase("up{job==\"a\"}", "quoted label value")]
    public void TryParse_NotASelector_FailsWithReason(string text, string because)
    {
        Assert.That(SeriesSelector.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(because));
    }

    [Test]
    public void With_HostileValue_StaysInsideOneQuotedString()
    {
        var s = new SeriesSelector("up", []).With(new LabelMatcher("job", MatchOperator.Equal, "a\"} or vector(1) or up{x=\"\\"));
        var text = s.ToString();
        Assert.That(text, Is.EqualTo("up{job=\"a\\\"} or vector(1) or up{x=\\\"\\\\\"}"));
        Assert.That(SeriesSelector.Parse(text).Matchers[0].Value, Is.EqualTo(s.Matchers[0].Value), "re-parsing gives back the same single value");
    }
}

namespace Slo.Api.Prometheus;

/// <summary>
/// What the service has cost Prometheus: requests sent and samples read (from the <c>stats=all</c> answer's
/// <c>totalQueryableSamples</c>), since start-up. One per process, shared by every client; read by /metrics and by the
/// worker, which reports each cycle's share.
/// </summary>
public sealed class PrometheusCost
{
    private long _requests;
    private long _samples;

    public long Requests => Interlocked.Read(ref _requests);
    public long SamplesRead => Interlocked.Read(ref _samples);

    public void RecordRequest() => Interlocked.Increment(ref _requests);

    public void Record(long samples)
    {
        if (samples > 0)
            Interlocked.Add(ref _samples, samples);
    }
}

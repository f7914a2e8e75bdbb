package io.github.llmquota.sample.load;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How closely the fleet's view of the output in flight followed the provider's during a
 * run with streams: samples of both, taken together at a fixed interval, compared as a
 * share of the provider's output limit.
 *
 * @param samples the samples taken while any stream was in flight (either view above 0)
 * @param medianErrorPercent the median of |fleet - provider| / limit, in percent
 * @param p95ErrorPercent the 95th percentile of the same
 * @param maxErrorPercent the largest of the same
 * @param lagMillis the shift of the fleet's series behind the provider's that makes them
 * agree best (least mean error), in whole sampling intervals
 * @param laggedMedianErrorPercent the median error once the fleet's series is shifted by
 * the lag
 * @param meanInFlightPercent the provider's output in flight, on average over the
 * samples, as a share of the limit: the scale the errors compare to
 */
public record StreamAccuracy(int samples, double medianErrorPercent, double p95ErrorPercent, double maxErrorPercent,
		long lagMillis, double laggedMedianErrorPercent, double meanInFlightPercent) {

	// The longest lag looked for: 5 s at a 250 ms interval.
	private static final int MAX_SHIFT = 20;

	/**
	 * Compare the two views.
	 * @param fleet the fleet's output in flight at each sample
	 * @param provider the provider's, at the same instants
	 * @param limit the provider's output tokens per minute
	 * @param interval the time between two samples
	 * @return the comparison; all zeros without a sample in flight
	 */
	static StreamAccuracy of(List<Long> fleet, List<Long> provider, long limit, Duration interval) {
		int n = Math.min(fleet.size(), provider.size());
		double[] errors = errors(fleet, provider, 0, n, limit);
		if (errors.length == 0) {
			return new StreamAccuracy(0, 0, 0, 0, 0, 0, 0);
		}
		int lag = 0;
		double best = mean(errors);
		for (int shift = 1; shift <= MAX_SHIFT && shift < n / 2; shift++) {
			double mean = mean(errors(fleet, provider, shift, n, limit));
			if (mean < best) {
				best = mean;
				lag = shift;
			}
		}
		double inFlight = 0;
		for (int i = 0; i < n; i++) {
			inFlight += provider.get(i);
		}
		Arrays.sort(errors);
		return new StreamAccuracy(errors.length, round(percentile(errors, 0.5)), round(percentile(errors, 0.95)),
				round(errors[errors.length - 1]), lag * interval.toMillis(),
				round(percentile(sorted(errors(fleet, provider, lag, n, limit)), 0.5)),
				round(100.0 * inFlight / n / limit));
	}

	// The fleet's sample i against the provider's sample i - shift, where either shows
	// a stream in flight.
	private static double[] errors(List<Long> fleet, List<Long> provider, int shift, int n, long limit) {
		double[] errors = new double[n];
		int count = 0;
		for (int i = shift; i < n; i++) {
			long seen = fleet.get(i);
			long emitted = provider.get(i - shift);
			if (seen > 0 || emitted > 0) {
				errors[count++] = 100.0 * Math.abs(seen - emitted) / limit;
			}
		}
		return Arrays.copyOf(errors, count);
	}

	private static double[] sorted(double[] values) {
		Arrays.sort(values);
		return values;
	}

	private static double mean(double[] values) {
		return (values.length == 0) ? Double.MAX_VALUE : Arrays.stream(values).average().orElse(0);
	}

	private static double percentile(double[] sorted, double share) {
		if (sorted.length == 0) {
			return 0;
		}
		return sorted[(int) Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
	}

	private static double round(double value) {
		return Math.round(value * 100) / 100.0;
	}

}

package io.github.llmquota.actuate.alert;

import org.springframework.util.Assert;

/**
 * The utilisation thresholds that turn a utilisation into a {@link QuotaStatus}, and the
 * hysteresis that keeps a status from flapping. Utilisation is a share of the provider
 * limit: 1.0 is the whole provider limit, before any safety margin.
 *
 * @param warn the utilisation from which a dimension is at {@link QuotaStatus#WARN}
 * @param critical the utilisation from which a dimension is at
 * {@link QuotaStatus#CRITICAL}
 * @param hysteresis how far utilisation must fall below a threshold before a status
 * entered at that threshold is left
 */
public record QuotaThresholds(double warn, double critical, double hysteresis) {

	/**
	 * The highest critical threshold. Utilisation over a trailing minute can exceed 1: a
	 * full burst bucket is spent and then refilled within the same minute.
	 */
	public static final double MAX_CRITICAL = 2.0;

	/** WARN at 80 %, CRITICAL at 90 %, 5 points of hysteresis. */
	public static final QuotaThresholds DEFAULTS = new QuotaThresholds(0.80, 0.90, 0.05);

	/**
	 * Create thresholds.
	 * @throws IllegalArgumentException unless 0 &lt; warn &lt; critical &le;
	 * {@value #MAX_CRITICAL} and 0 &le; hysteresis &lt; warn
	 */
	public QuotaThresholds {
		Assert.isTrue(warn > 0 && warn < critical, () -> "'warn' must be in (0, critical), was " + warn);
		Assert.isTrue(critical <= MAX_CRITICAL,
				() -> "'critical' must be at most " + MAX_CRITICAL + ", was " + critical);
		Assert.isTrue(hysteresis >= 0 && hysteresis < warn,
				() -> "'hysteresis' must be in [0, warn), was " + hysteresis);
	}

	/**
	 * Return the status of a utilisation on its own, without hysteresis.
	 * @param utilisation the utilisation
	 * @return the status; {@link QuotaStatus#OK} for {@code NaN}
	 */
	public QuotaStatus statusOf(double utilisation) {
		if (utilisation >= this.critical) {
			return QuotaStatus.CRITICAL;
		}
		return (utilisation >= this.warn) ? QuotaStatus.WARN : QuotaStatus.OK;
	}

	/**
	 * Return the status that follows a current one at a new utilisation. A worse status
	 * is entered as soon as its threshold is reached; a status is left for a better one
	 * only once utilisation is below its threshold by more than the hysteresis, so that a
	 * value hovering at a threshold does not flap.
	 * @param current the current status
	 * @param utilisation the new utilisation
	 * @return the next status; the current one for {@code NaN}
	 */
	public QuotaStatus next(QuotaStatus current, double utilisation) {
		QuotaStatus level = statusOf(utilisation);
		if (level.ordinal() >= current.ordinal()) {
			return level;
		}
		QuotaStatus next = current;
		while (next.ordinal() > level.ordinal() && utilisation < threshold(next) - this.hysteresis) {
			next = QuotaStatus.values()[next.ordinal() - 1];
		}
		return next;
	}

	private double threshold(QuotaStatus status) {
		return (status == QuotaStatus.CRITICAL) ? this.critical : this.warn;
	}

}

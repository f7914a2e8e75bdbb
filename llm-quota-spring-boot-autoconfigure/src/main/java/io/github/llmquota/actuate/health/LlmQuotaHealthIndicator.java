package io.github.llmquota.actuate.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.llmquota.actuate.alert.PoolCheck;
import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.core.DimensionState;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * {@link HealthIndicator} for llm-quota, named {@code llmquota}. It reads the
 * {@link QuotaThresholdMonitor monitor's} last check rather than the store, so a probe
 * costs no store call.
 * <p>
 * A busy quota is not ill health: the indicator stays {@code UP} whatever the
 * utilisation, and lists the pools at {@code WARN} and {@code CRITICAL} (with the
 * dimensions responsible) in its details (under {@code scopes}, each scope's status and
 * its dimensions at {@code WARN} and {@code CRITICAL}, by the same thresholds), and under
 * {@code cooldown} the pools that a provider rate limit stopped, with the instant their
 * cooldown ends; such a pool's status is {@code COOLDOWN}. Under {@code exhausted} it
 * lists the pools whose provider quota is used up (a spend cap, billing,
 * {@code insufficient_quota}), each with {@code until} and the provider's {@code reason};
 * such a pool's status is {@code EXHAUSTED} and it rejects every request fleet-wide until
 * then. That is still {@code UP}: another instance cannot serve those calls either, and
 * taking instances out of service would not bring the quota back. It is {@code DOWN} only
 * when a pool's quota state cannot be read <em>and</em> requests are rejected while it
 * cannot ({@code llm.quota.redis.fail-mode=closed}), because only then can the
 * application not serve model calls. With the {@code local} or {@code open} fail mode it
 * stays {@code UP} with {@code degraded: true}: requests still proceed, limited locally
 * or not at all.
 * <p>
 * Quota state lives outside the JVM, so a restart cannot fix it: never put this indicator
 * in the liveness group. It belongs, at most, in readiness, for example
 * {@code management.endpoint.health.group.readiness.include=readinessState,llmquota}, and
 * only with the {@code closed} fail mode does that ever take an instance out of service.
 * Switch it off with {@code management.health.llmquota.enabled=false}.
 */
public class LlmQuotaHealthIndicator extends AbstractHealthIndicator {

	private final QuotaThresholdMonitor monitor;

	private final boolean rejectsWhenUnreachable;

	/**
	 * Create an indicator.
	 * @param monitor the monitor whose last check to report
	 * @param rejectsWhenUnreachable whether requests are rejected while quota state
	 * cannot be read (the {@code closed} fail mode)
	 */
	public LlmQuotaHealthIndicator(QuotaThresholdMonitor monitor, boolean rejectsWhenUnreachable) {
		super("llm-quota health check failed");
		this.monitor = monitor;
		this.rejectsWhenUnreachable = rejectsWhenUnreachable;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, PoolCheck> checks = this.monitor.getLastCheck();
		if (checks.isEmpty()) {
			// Asked before the monitor's first scheduled check: do it now, once.
			this.monitor.check();
			checks = this.monitor.getLastCheck();
		}
		Map<String, QuotaStatus> pools = new LinkedHashMap<>();
		Map<String, List<String>> warn = new LinkedHashMap<>();
		Map<String, List<String>> critical = new LinkedHashMap<>();
		Map<String, String> cooldown = new LinkedHashMap<>();
		Map<String, Map<String, String>> exhausted = new LinkedHashMap<>();
		Map<String, String> unreachable = new LinkedHashMap<>();
		List<String> shedding = new ArrayList<>();
		checks.forEach((pool, check) -> {
			pools.put(pool, check.status());
			check.statuses()
				.forEach((dimension, status) -> ((status == QuotaStatus.CRITICAL) ? critical : warn)
					.computeIfAbsent(pool, (name) -> new ArrayList<>())
					.add(DimensionState.nameOf(dimension)));
			if (check.cooldownUntil() != null) {
				cooldown.put(pool, check.cooldownUntil().toString());
			}
			if (check.exhaustedUntil() != null) {
				Map<String, String> mark = new LinkedHashMap<>();
				mark.put("until", check.exhaustedUntil().toString());
				if (check.exhaustedReason() != null) {
					mark.put("reason", check.exhaustedReason());
				}
				exhausted.put(pool, mark);
			}
			if (!check.isReachable()) {
				unreachable.put(pool, check.failure());
			}
			if (check.shedding()) {
				shedding.add(pool);
			}
		});
		// Scopes: the same WARN / CRITICAL lists, keyed by scope, under their own detail.
		Map<String, QuotaStatus> scopes = new LinkedHashMap<>();
		Map<String, List<String>> scopesWarn = new LinkedHashMap<>();
		Map<String, List<String>> scopesCritical = new LinkedHashMap<>();
		this.monitor.getLastScopeCheck().forEach((scope, check) -> {
			scopes.put(scope, check.status());
			check.statuses()
				.forEach((dimension, status) -> ((status == QuotaStatus.CRITICAL) ? scopesCritical : scopesWarn)
					.computeIfAbsent(scope, (name) -> new ArrayList<>())
					.add(DimensionState.nameOf(dimension)));
		});
		if (!unreachable.isEmpty() && this.rejectsWhenUnreachable) {
			builder.down();
		}
		else {
			builder.up();
		}
		builder.withDetail("pools", pools);
		addIfNotEmpty(builder, "warn", warn);
		addIfNotEmpty(builder, "critical", critical);
		addIfNotEmpty(builder, "cooldown", cooldown);
		addIfNotEmpty(builder, "exhausted", exhausted);
		if (!scopes.isEmpty()) {
			Map<String, Object> scopeDetails = new LinkedHashMap<>();
			scopeDetails.put("statuses", scopes);
			if (!scopesWarn.isEmpty()) {
				scopeDetails.put("warn", scopesWarn);
			}
			if (!scopesCritical.isEmpty()) {
				scopeDetails.put("critical", scopesCritical);
			}
			builder.withDetail("scopes", scopeDetails);
		}
		if (!shedding.isEmpty()) {
			builder.withDetail("shedding", shedding);
		}
		if (!unreachable.isEmpty()) {
			builder.withDetail("unreachable", unreachable);
			if (!this.rejectsWhenUnreachable) {
				builder.withDetail("degraded", true);
			}
		}
	}

	private static void addIfNotEmpty(Health.Builder builder, String key, Map<String, ?> value) {
		if (!value.isEmpty()) {
			builder.withDetail(key, value);
		}
	}

}

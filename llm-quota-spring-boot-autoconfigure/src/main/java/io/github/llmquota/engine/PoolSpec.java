package io.github.llmquota.engine;

import java.util.List;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Provider;

/**
 * One provider rate-limit bucket scope that one or more models share. All fleet state of
 * a pool is decided in one atomic step.
 *
 * @param name the pool name; it becomes part of Redis keys, so it is restricted to
 * letters, digits, '.', '_' and '-'
 * @param provider the provider
 * @param rates the configured rate dimensions, in a fixed order that every cost vector
 * follows
 * @param maxConcurrency the most calls in flight at once, or 0 for no limit
 * @param models the models that share the pool
 * @param userLimits per-user limits, or {@code null} when users are not limited
 * individually
 * @param tenants how each priority class is shared between tenants, or {@code null} for
 * arrival order within a class
 * @param tenantLimits per-tenant limits, by tenant id, or {@code null} when tenants are
 * not limited individually
 */
public record PoolSpec(String name, Provider provider, List<RateLimit> rates, int maxConcurrency, List<String> models,
		UserLimits userLimits, TenantWeights tenants, UserLimits tenantLimits) {

	/**
	 * Create a pool whose tenants are not limited individually.
	 * @param name the pool name
	 * @param provider the provider
	 * @param rates the configured rate dimensions
	 * @param maxConcurrency the most calls in flight at once, or 0 for no limit
	 * @param models the models that share the pool
	 * @param userLimits per-user limits, or {@code null}
	 * @param tenants how each priority class is shared between tenants, or {@code null}
	 */
	public PoolSpec(String name, Provider provider, List<RateLimit> rates, int maxConcurrency, List<String> models,
			UserLimits userLimits, TenantWeights tenants) {
		this(name, provider, rates, maxConcurrency, models, userLimits, tenants, null);
	}

	/**
	 * Create a pool whose classes wait in arrival order.
	 * @param name the pool name
	 * @param provider the provider
	 * @param rates the configured rate dimensions
	 * @param maxConcurrency the most calls in flight at once, or 0 for no limit
	 * @param models the models that share the pool
	 * @param userLimits per-user limits, or {@code null}
	 */
	public PoolSpec(String name, Provider provider, List<RateLimit> rates, int maxConcurrency, List<String> models,
			UserLimits userLimits) {
		this(name, provider, rates, maxConcurrency, models, userLimits, null);
	}

	/**
	 * Return the index of a dimension in {@link #rates()}, or -1.
	 * @param dimension the dimension
	 * @return its index
	 */
	public int indexOf(Dimension dimension) {
		for (int i = 0; i < this.rates.size(); i++) {
			if (this.rates.get(i).dimension() == dimension) {
				return i;
			}
		}
		return -1;
	}

}

package io.github.llmquota.engine;

import java.util.ArrayList;
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
 * @param scopes the scopes above the pool, its own scope first and the root last; empty
 * when the pool names no scope
 */
public record PoolSpec(String name, Provider provider, List<RateLimit> rates, int maxConcurrency, List<String> models,
		UserLimits userLimits, TenantWeights tenants, UserLimits tenantLimits, List<ScopeSpec> scopes) {

	/**
	 * Create a pool outside any scope.
	 * @param name the pool name
	 * @param provider the provider
	 * @param rates the configured rate dimensions
	 * @param maxConcurrency the most calls in flight at once, or 0 for no limit
	 * @param models the models that share the pool
	 * @param userLimits per-user limits, or {@code null}
	 * @param tenants how each priority class is shared between tenants, or {@code null}
	 * @param tenantLimits per-tenant limits, or {@code null}
	 */
	public PoolSpec(String name, Provider provider, List<RateLimit> rates, int maxConcurrency, List<String> models,
			UserLimits userLimits, TenantWeights tenants, UserLimits tenantLimits) {
		this(name, provider, rates, maxConcurrency, models, userLimits, tenants, tenantLimits, List.of());
	}

	/**
	 * Create a pool whose tenants are not limited individually.
	 * @param name the pool name
	 * @param provider the provider
	 * @param rates the configured rate dimensions
	 * @param maxConcurrency the most calls in flight at once, or 0 for no limit
	 * @param models the models that share the pool
	 * @param userLimits per-user limits, or {@code null}
	 * @param tenants how each priority class is shared between tenants, or {@code null}
	 * @param scopes the scopes above the pool, its own scope first
	 */
	public PoolSpec(String name, Provider provider, List<RateLimit> rates, int maxConcurrency, List<String> models,
			UserLimits userLimits, TenantWeights tenants, List<ScopeSpec> scopes) {
		this(name, provider, rates, maxConcurrency, models, userLimits, tenants, null, scopes);
	}

	/**
	 * Create a pool outside any scope, whose tenants are not limited individually.
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
		this(name, provider, rates, maxConcurrency, models, userLimits, tenants, null, List.of());
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

	/**
	 * Return the scopes above the pool, nearest first: the pool's ancestors, whose limits
	 * every request of the pool is also held to.
	 * @return the scope chain, empty when the pool names no scope
	 */
	public List<ScopeSpec> scopeChain() {
		return this.scopes;
	}

	/**
	 * Return the name of the tree the pool belongs to: its root scope, or the pool itself
	 * when it names no scope. A tree's state shares one Redis hash tag.
	 * @return the tree's name
	 */
	public String tree() {
		return this.scopes.isEmpty() ? this.name : this.scopes.get(this.scopes.size() - 1).name();
	}

	/**
	 * Return the dimensions a request of this pool is charged in, in the order of every
	 * cost vector: the pool's {@link #rates()}, then each dimension only a scope of its
	 * chain limits, in {@link Dimension} order. Without scopes, the pool's rates.
	 * @return the charged dimensions
	 */
	public List<RateLimit> costRates() {
		if (this.scopes.isEmpty()) {
			return this.rates;
		}
		List<RateLimit> charged = new ArrayList<>(this.rates);
		for (Dimension dimension : Dimension.values()) {
			if (indexOf(dimension) < 0) {
				this.scopes.stream()
					.flatMap((scope) -> scope.rates().stream())
					.filter((rate) -> rate.dimension() == dimension)
					.findFirst()
					.ifPresent(charged::add);
			}
		}
		return charged;
	}

	/**
	 * Return the index of a dimension in {@link #costRates()}, or -1.
	 * @param dimension the dimension
	 * @return its index in every cost vector of the pool
	 */
	public int costIndexOf(Dimension dimension) {
		List<RateLimit> charged = costRates();
		for (int i = 0; i < charged.size(); i++) {
			if (charged.get(i).dimension() == dimension) {
				return i;
			}
		}
		return -1;
	}

}

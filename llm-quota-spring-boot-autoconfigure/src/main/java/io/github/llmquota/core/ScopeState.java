package io.github.llmquota.core;

import java.util.List;

/**
 * The fleet-wide state of one scope (an organisation, project or workspace above pools),
 * as a {@link PoolState} of one of its pools read it, in the same store call. A scope's
 * level is one value shared by every pool under it, so any of them reads the same.
 * Immutable.
 * <p>
 * A scope keeps no usage history (that would cost every decision of every pool of the
 * tree one more write per level), so its rate dimensions report the bucket itself: in
 * each {@link DimensionState}, {@code used} is the bucket's level (what the scope's pools
 * took that has not yet refilled), {@code utilisation} that level as a share of the
 * bucket's {@code capacity} (1.0: the next request of any of its pools waits), and
 * {@code trend} is empty. Concurrency reads as a pool's: the calls of all its pools in
 * flight, divided by the limit.
 *
 * @param scope the scope name
 * @param parent the scope above it, or {@code null} for the root of its tree
 * @param dimensions one entry per limited dimension: the rate dimensions in the scope's
 * order, then {@link Dimension#CONCURRENCY} when the scope limits it
 * @param inFlight the calls of all its pools in flight, where the scope limits
 * concurrency; 0 where it does not
 * @param maxConcurrency the most calls of all its pools in flight at once, or 0 for no
 * limit
 */
public record ScopeState(String scope, String parent, List<DimensionState> dimensions, long inFlight,
		int maxConcurrency) {

	/**
	 * Create a scope's state. The dimensions are copied and keep their order.
	 * @param scope the scope name
	 * @param parent the scope above it, or {@code null}
	 * @param dimensions the dimensions
	 * @param inFlight the calls in flight, or 0
	 * @param maxConcurrency the most calls in flight, or 0
	 */
	public ScopeState {
		dimensions = List.copyOf(dimensions);
	}

	/**
	 * Return the scope's utilisation: the highest utilisation of any of its dimensions.
	 * @return the utilisation, 0 for a scope without limits
	 */
	public double utilisation() {
		return this.dimensions.stream().mapToDouble(DimensionState::utilisation).max().orElse(0);
	}

	/**
	 * Return the state of one dimension.
	 * @param dimension the dimension
	 * @return its state, or {@code null} when the scope does not limit it
	 */
	public DimensionState dimension(Dimension dimension) {
		for (DimensionState state : this.dimensions) {
			if (state.dimension() == dimension) {
				return state;
			}
		}
		return null;
	}

}

package io.github.llmquota.engine;

/**
 * What a call costs one window of one cost budget it falls under, in integer micro-units
 * of the price currency (a millionth of a dollar, say): sums of whole numbers are exact,
 * in Java as in the script's doubles (up to 2^53). The store keeps each budget window
 * under {@code key}, next to the pool's other state, and decides on it in the same atomic
 * step as the pool's buckets.
 *
 * @param key the budget window's name within the keys of the pool, or of the scope
 * {@code scope} names: the budget, the window and the user or tenant it counts for; made
 * of letters, digits and {@code .:_$-} only
 * @param limitMicros the hard cap of the window, or {@code null} when spend is only
 * counted
 * @param amountMicros at acquire, the worst-case cost to reserve; at settle and at a
 * stream's charge, the cost spent
 * @param windowEndMillis when the window ends, epoch milliseconds: a rejected call may
 * retry then, and the store forgets the window an hour after
 * @param floorMicros the spend this JVM knows the window had, which a window lost from
 * the store restarts at; {@code null} when none is known
 * @param releaseMicros at settle and at a stream's charge, the part of the reservation
 * that ends; {@code null} at acquire
 * @param slotMillis for a rolling window, the length of one of its
 * {@value #ROLLING_SLOTS} slots: spend counts until its slot is that many slots old, and
 * {@code windowEndMillis} is then only how long the key is kept; {@code null} for a
 * calendar window
 * @param scope the scope of the pool's {@link PoolSpec#scopeChain() chain} the budget
 * applies to, whose keys every pool of the tree shares; {@code null} for a budget of the
 * pool itself
 */
public record BudgetCharge(String key, Long limitMicros, long amountMicros, long windowEndMillis, Long floorMicros,
		Long releaseMicros, Long slotMillis, String scope) {

	/**
	 * Create the charge of a budget of the pool itself.
	 * @param key the budget window's name within the pool's keys
	 * @param limitMicros the hard cap, or {@code null}
	 * @param amountMicros the amount reserved or spent
	 * @param windowEndMillis when the window ends, epoch milliseconds
	 * @param floorMicros the spend this JVM knows the window had, or {@code null}
	 * @param releaseMicros the part of the reservation that ends, or {@code null}
	 * @param slotMillis the slot length of a rolling window, or {@code null}
	 */
	public BudgetCharge(String key, Long limitMicros, long amountMicros, long windowEndMillis, Long floorMicros,
			Long releaseMicros, Long slotMillis) {
		this(key, limitMicros, amountMicros, windowEndMillis, floorMicros, releaseMicros, slotMillis, null);
	}

	/**
	 * Create the charge of a calendar window.
	 * @param key the budget window's name within the pool's keys
	 * @param limitMicros the hard cap, or {@code null}
	 * @param amountMicros the amount reserved or spent
	 * @param windowEndMillis when the window ends, epoch milliseconds
	 * @param floorMicros the spend this JVM knows the window had, or {@code null}
	 * @param releaseMicros the part of the reservation that ends, or {@code null}
	 */
	public BudgetCharge(String key, Long limitMicros, long amountMicros, long windowEndMillis, Long floorMicros,
			Long releaseMicros) {
		this(key, limitMicros, amountMicros, windowEndMillis, floorMicros, releaseMicros, null, null);
	}

	/**
	 * Return the spend of a lease in this budget window.
	 * @param spentMicros the cost spent
	 * @param releasedMicros the part of the reservation that ends
	 * @return the charge
	 */
	public BudgetCharge spend(long spentMicros, long releasedMicros) {
		return new BudgetCharge(this.key, this.limitMicros, spentMicros, this.windowEndMillis, this.floorMicros,
				releasedMicros, this.slotMillis, this.scope);
	}

	/** The slots of a rolling window. */
	public static final int ROLLING_SLOTS = 24;

}

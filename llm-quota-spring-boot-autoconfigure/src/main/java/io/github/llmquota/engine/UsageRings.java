package io.github.llmquota.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumption counters that make fleet-wide utilisation O(1) per decision: seven
 * 10-second slots for the trailing minute and sixty 1-minute slots for the last hour,
 * each tagged with its absolute index so that a stale slot is recognised and reset. The
 * Redis script keeps the same layout in a hash (fields {@code s0..s6} and
 * {@code m0..m59}, values {@code index,v1,...,vn}); this class reads it and keeps it for
 * the in-memory store. Not thread-safe.
 */
public final class UsageRings {

	static final long SLOT = 10_000;

	static final long MINUTE = 60_000;

	private final int dimensions;

	private final Map<String, double[]> slots = new HashMap<>();

	/**
	 * Create empty rings.
	 * @param dimensions the number of rate dimensions
	 */
	public UsageRings(int dimensions) {
		this.dimensions = dimensions;
	}

	/**
	 * Read rings from the flat field/value list of the Redis hash.
	 * @param dimensions the number of rate dimensions
	 * @param fieldsAndValues alternating field names and values
	 * @return the rings
	 */
	public static UsageRings parse(int dimensions, List<?> fieldsAndValues) {
		UsageRings rings = new UsageRings(dimensions);
		for (int i = 0; i + 1 < fieldsAndValues.size(); i += 2) {
			String[] parts = String.valueOf(fieldsAndValues.get(i + 1)).split(",");
			double[] values = new double[dimensions + 1];
			for (int j = 0; j < parts.length && j <= dimensions; j++) {
				values[j] = Double.parseDouble(parts[j]);
			}
			rings.slots.put(String.valueOf(fieldsAndValues.get(i)), values);
		}
		return rings;
	}

	/**
	 * Count consumption (negative for refunds) at a time.
	 * @param nowMillis the time
	 * @param amounts per dimension
	 */
	public void add(long nowMillis, double[] amounts) {
		add("s", nowMillis / SLOT, 7, amounts);
		add("m", nowMillis / MINUTE, 60, amounts);
	}

	private void add(String prefix, long index, int size, double[] amounts) {
		double[] slot = this.slots.computeIfAbsent(prefix + Math.floorMod(index, size),
				(k) -> new double[this.dimensions + 1]);
		if (slot[0] != index) {
			java.util.Arrays.fill(slot, 0);
			slot[0] = index;
		}
		for (int i = 0; i < this.dimensions; i++) {
			slot[i + 1] += amounts[i];
		}
	}

	/**
	 * Return the units consumed in the 60 seconds before a time, per dimension. The
	 * oldest 10-second slot counts in proportion to the part of it inside the window.
	 * @param nowMillis the time
	 * @return the consumption per dimension
	 */
	public double[] trailingMinute(long nowMillis) {
		long current = nowMillis / SLOT;
		double oldestWeight = 1 - (double) (nowMillis % SLOT) / SLOT;
		double[] sum = new double[this.dimensions];
		for (long index = current - 6; index <= current; index++) {
			double[] slot = this.slots.get("s" + Math.floorMod(index, 7));
			if (slot != null && slot[0] == index) {
				double weight = (index == current - 6) ? oldestWeight : 1;
				for (int i = 0; i < this.dimensions; i++) {
					sum[i] += slot[i + 1] * weight;
				}
			}
		}
		for (int i = 0; i < sum.length; i++) {
			sum[i] = Math.max(sum[i], 0);
		}
		return sum;
	}

	/**
	 * Return the consumption of each of the last 60 minutes, oldest first, the current
	 * (partial) minute last.
	 * @param nowMillis the time
	 * @return 60 arrays of consumption per dimension
	 */
	public List<double[]> lastHour(long nowMillis) {
		long current = nowMillis / MINUTE;
		List<double[]> minutes = new ArrayList<>(60);
		for (long index = current - 59; index <= current; index++) {
			double[] slot = this.slots.get("m" + Math.floorMod(index, 60));
			double[] values = new double[this.dimensions];
			if (slot != null && slot[0] == index) {
				for (int i = 0; i < this.dimensions; i++) {
					values[i] = Math.max(slot[i + 1], 0);
				}
			}
			minutes.add(values);
		}
		return minutes;
	}

}

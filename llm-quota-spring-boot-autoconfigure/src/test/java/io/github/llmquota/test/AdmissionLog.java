package io.github.llmquota.test;

import java.util.List;

/**
 * Reads a store's admission log (Redis or in-memory): one entry per admission, with how
 * many waiting tickets of a strictly higher class could have been admitted in its place.
 */
public final class AdmissionLog {

	private AdmissionLog() {
	}

	/**
	 * Parse the entries of a log.
	 * @param log the raw entries, oldest first
	 * @return the entries
	 */
	public static List<Entry> parse(List<String> log) {
		return log.stream().map(Entry::parse).toList();
	}

	/**
	 * Return the admissions that overtook a higher class which could have been admitted
	 * first.
	 * @param log the raw entries, oldest first
	 * @return the inversions, oldest first
	 */
	public static List<Entry> inversions(List<String> log) {
		return parse(log).stream().filter(Entry::isInversion).toList();
	}

	/**
	 * One admission.
	 *
	 * @param rank the admitted ticket's class rank, 0 being the highest
	 * @param overtaken how many other waiting tickets of a strictly higher class fitted
	 * then
	 * @param sequence the ticket's queue sequence, or 0 when it was admitted without
	 * queueing
	 * @param ticket the ticket id
	 */
	public record Entry(int rank, int overtaken, long sequence, String ticket) {

		static Entry parse(String entry) {
			String[] fields = entry.split(" ");
			return new Entry(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), Long.parseLong(fields[2]),
					fields[3]);
		}

		public boolean isInversion() {
			return this.overtaken > 0;
		}

		public boolean wasQueued() {
			return this.sequence > 0;
		}

	}

}

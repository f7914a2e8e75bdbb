package io.github.llmquota.sample.chat;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.springframework.stereotype.Component;

/**
 * The most recent chat exchanges that no job has taken yet, for the background summaries.
 * Keeps at most {@value #CAPACITY}, dropping the oldest. Thread-safe.
 */
@Component
public class ChatTranscripts {

	static final int CAPACITY = 1000;

	private final Deque<String> pending = new ArrayDeque<>();

	/**
	 * Record one exchange.
	 * @param userId who asked
	 * @param message what they asked
	 * @param answer what the model answered
	 */
	public synchronized void add(String userId, String message, String answer) {
		if (this.pending.size() == CAPACITY) {
			this.pending.removeFirst();
		}
		this.pending.addLast("User " + userId + ": " + message + "\nAssistant: " + answer);
	}

	/**
	 * Take the oldest pending exchanges.
	 * @param max the most to take
	 * @return the exchanges, oldest first; empty when none is pending
	 */
	public synchronized List<String> take(int max) {
		List<String> taken = new ArrayList<>();
		while (taken.size() < max && !this.pending.isEmpty()) {
			taken.add(this.pending.removeFirst());
		}
		return taken;
	}

}

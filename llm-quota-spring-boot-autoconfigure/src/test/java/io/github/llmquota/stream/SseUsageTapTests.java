package io.github.llmquota.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.TokenUsage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading event streams: garbled input never fails the stream nor grows the buffer
 * without bound, and events split across reads are read whole.
 */
class SseUsageTapTests {

	private final RecordingLease lease = new RecordingLease();

	private final SseUsageTap tap = new SseUsageTap(
			new StreamMeter(this.lease, 10, StreamStep.DEFAULT, ProviderProfile.of(Provider.OPENAI)));

	@Test
	void garbledEventsAreSkippedAndTheStreamSettlesWhatWasReadable() {
		feed("data: {not json\n\ndata: [DONE]\n\ndata: 42\n\n: comment\n\n");
		feed("data: {\"choices\":[{\"delta\":{\"content\":\"abcdefgh\"}}],\"usage\":{\"prompt_tokens\":\"x\"}}\n\n");
		this.tap.finish(ProviderFeedback.none());
		assertThat(this.tap.finalUsage()).isNull();
		assertThat(this.lease.settled).containsExactly(TokenUsage.of(10, 2));
	}

	@Test
	void aLineLongerThanTheBoundIsSkippedWhole() {
		feed("data: {\"choices\":[{\"delta\":{\"content\":\"" + "z".repeat(2 << 20) + "\"}}]}\n\n");
		feed("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n");
		this.tap.finish(ProviderFeedback.none());
		assertThat(this.lease.settled).containsExactly(TokenUsage.of(3, 4));
	}

	@Test
	void anEventSplitAcrossReadsIsReadWhole() {
		byte[] event = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}\n\n"
			.getBytes(StandardCharsets.UTF_8);
		for (byte b : event) {
			this.tap.accept(new byte[] { b }, 0, 1);
		}
		assertThat(this.tap.finalUsage()).isEqualTo(TokenUsage.of(5, 6));
	}

	@Test
	void finishingTwiceSettlesOnce() {
		this.tap.finish(ProviderFeedback.none());
		this.tap.finish(ProviderFeedback.none());
		assertThat(this.lease.settled).hasSize(1);
	}

	private void feed(String text) {
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		this.tap.accept(bytes, 0, bytes.length);
	}

	private static final class RecordingLease implements QuotaLease {

		private final List<TokenUsage> settled = new ArrayList<>();

		private boolean ended;

		@Override
		public String id() {
			return "lease";
		}

		@Override
		public String model() {
			return "model";
		}

		@Override
		public String pool() {
			return "pool";
		}

		@Override
		public void settle(TokenUsage usage, ProviderFeedback feedback) {
			this.settled.add(usage);
			this.ended = true;
		}

		@Override
		public void release(CallOutcome outcome, ProviderFeedback feedback) {
			this.ended = true;
		}

		@Override
		public boolean isEnded() {
			return this.ended;
		}

	}

}

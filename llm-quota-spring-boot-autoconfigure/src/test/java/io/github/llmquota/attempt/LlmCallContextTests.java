package io.github.llmquota.attempt;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link LlmCallContext}.
 */
class LlmCallContextTests {

	@Test
	void contextIsBoundForTheCallAndTheOuterOneRestoredAfter() {
		LlmCallContext.priority("background").run(() -> {
			assertThat(LlmCallContext.current().getPriority()).isEqualTo("background");
			String inner = LlmCallContext.priority("interactive")
				.user("u1")
				.maxWait(Duration.ofSeconds(3))
				.call(() -> LlmCallContext.current().getPriority() + "/" + LlmCallContext.current().getUser() + "/"
						+ LlmCallContext.current().getMaxWait());
			assertThat(inner).isEqualTo("interactive/u1/PT3S");
			assertThat(LlmCallContext.current().getPriority()).isEqualTo("background");
		});
		assertThat(LlmCallContext.current().getPriority()).isNull();
	}

	@Test
	void contextIsUnboundEvenWhenTheCallThrows() {
		try {
			LlmCallContext.priority("critical").run(() -> {
				throw new IllegalStateException("boom");
			});
		}
		catch (IllegalStateException ex) {
			// expected
		}
		assertThat(LlmCallContext.current().getPriority()).isNull();
	}

	@Test
	void negativeWaitIsRefusedNamingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> LlmCallContext.maxWait(Duration.ofSeconds(-1)))
			.withMessageContaining("maxWait");
	}

}

package io.github.llmquota.usage;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import io.github.llmquota.core.TokenUsage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link CompositeUsageExtractor}.
 */
class CompositeUsageExtractorTests {

	@Test
	void firstUsageFoundWins() {
		UsageExtractor none = (value) -> Optional.empty();
		UsageExtractor first = (value) -> Optional.of(TokenUsage.of(1, 1));
		UsageExtractor second = (value) -> Optional.of(TokenUsage.of(2, 2));
		assertThat(new CompositeUsageExtractor(List.of(none, first, second)).extract("value"))
			.contains(TokenUsage.of(1, 1));
	}

	@Test
	void noUsageFoundGivesNothing() {
		CompositeUsageExtractor composite = new CompositeUsageExtractor(List.of(new LlmUsageExtractor()));
		assertThat(composite.extract("value")).isEmpty();
		assertThat(composite.extract(null)).isEmpty();
		assertThat(new CompositeUsageExtractor(List.of()).extract("value")).isEmpty();
	}

	@Test
	void nullExtractorsAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> new CompositeUsageExtractor(null))
			.withMessageContaining("'extractors'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new CompositeUsageExtractor(Arrays.asList(new LlmUsageExtractor(), null)))
			.withMessageContaining("'extractors'");
	}

}

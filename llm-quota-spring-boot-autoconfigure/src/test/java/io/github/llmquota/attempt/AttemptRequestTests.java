package io.github.llmquota.attempt;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AttemptRequest}.
 */
class AttemptRequestTests {

	@Test
	void anthropicMessageGivesModelMaxTokensAndPromptText() {
		AttemptRequest request = read("{\"model\":\"claude\",\"max_tokens\":512,\"system\":\"Be brief\","
				+ "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"},"
				+ "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"data\":\"QUFBQUFB\"}}]}],"
				+ "\"tools\":[{\"name\":\"lookup\",\"description\":\"Finds things\"}]}");

		assertThat(request.model()).isEqualTo("claude");
		assertThat(request.maxOutputTokens()).isEqualTo(512);
		assertThat(request.promptText()).containsExactly("Be brief", "Hi", "lookup", "Finds things");
	}

	@Test
	void openAiLimitsAreReadUnderEitherName() {
		assertThat(read("{\"model\":\"gpt\",\"max_completion_tokens\":64}").maxOutputTokens()).isEqualTo(64);
		assertThat(read("{\"model\":\"gpt\",\"max_output_tokens\":32,\"input\":\"Hello\"}").maxOutputTokens())
			.isEqualTo(32);
	}

	@Test
	void requestWithoutALimitReservesTheDefault() {
		assertThat(read("{\"model\":\"gpt\",\"messages\":[]}").maxOutputTokens()).isEqualTo(4096);
		assertThat(read("{\"model\":\"gpt\",\"max_tokens\":-5}").maxOutputTokens()).isEqualTo(4096);
	}

	@Test
	void bodyThatNamesNoModelIsNoModelCall() {
		assertThat(read("")).isNull();
		assertThat(read("not json")).isNull();
		assertThat(read("[]")).isNull();
		assertThat(read("{\"purpose\":\"batch\"}")).isNull();
		assertThat(read("{\"model\":42}")).isNull();
		assertThat(read("{\"model\":\"  \"}")).isNull();
		assertThat(AttemptRequest.read(null, 4096)).isNull();
	}

	private static AttemptRequest read(String body) {
		return AttemptRequest.read(body.getBytes(StandardCharsets.UTF_8), 4096);
	}

}

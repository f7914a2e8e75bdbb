package io.github.llmquota.sample.chat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.anthropic.core.JsonValue;
import com.anthropic.core.http.Headers;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.web.QuotaExceptionHandler;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.client.HttpClientErrorException;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * What a client of {@code POST /chat} sees when the call cannot be made: quota rejections
 * answered by llm-quota's own contract, which {@code @WebMvcTest} includes, and provider
 * errors by the sample's {@link ChatExceptionHandler}.
 */
@WebMvcTest(ChatController.class)
class ChatExceptionHandlerTests {

	@Autowired
	private MockMvc mvc;

	@MockitoBean
	private ChatService chat;

	@MockitoBean
	private ChatTranscripts transcripts;

	@Test
	void aQuotaRejectionIsA429WithRetryAfterInWholeSecondsAndTheReason() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(new QuotaRejectedException("anthropic-sonnet",
				RejectionReason.DEADLINE, Duration.ofMillis(1200), "Not admitted within 30s"));

		this.mvc.perform(chat())
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "2"))
			.andExpect(jsonPath("$.type").value(QuotaExceptionHandler.TYPE_PREFIX + "deadline"))
			.andExpect(jsonPath("$.reason").value("DEADLINE"))
			.andExpect(jsonPath("$.pool").value("anthropic-sonnet"))
			.andExpect(jsonPath("$.retryAfterSeconds").value(2))
			.andExpect(jsonPath("$.detail").value("Not admitted within 30s"));
	}

	@Test
	void aRequestThatCanNeverFitIsA413WithoutRetryAfter() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(new QuotaRejectedException("anthropic-sonnet",
				RejectionReason.CANNOT_FIT, null, "Larger than the input-token limit"));

		this.mvc.perform(chat())
			.andExpect(status().isPayloadTooLarge())
			.andExpect(header().doesNotExist(HttpHeaders.RETRY_AFTER))
			.andExpect(jsonPath("$.reason").value("CANNOT_FIT"))
			.andExpect(jsonPath("$.retryable").value(false));
	}

	@Test
	void aRequestTooLargeForTheModelIsA413() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(new NonRetryableQuotaException("anthropic-sonnet",
				"claude-sonnet-4-5", ErrorClass.REQUEST_TOO_LARGE, "prompt is too long"));

		this.mvc.perform(chat())
			.andExpect(status().isPayloadTooLarge())
			.andExpect(header().doesNotExist(HttpHeaders.RETRY_AFTER))
			.andExpect(jsonPath("$.reason").value("REQUEST_TOO_LARGE"))
			.andExpect(jsonPath("$.retryable").value(false));
	}

	@Test
	void aProvider429IsPassedOnWithTheProvidersRetryAfter() throws Exception {
		HttpHeaders headers = new HttpHeaders();
		headers.set("retry-after", "7");
		given(this.chat.reply(any(), any(), any())).willThrow(HttpClientErrorException
			.create(HttpStatus.TOO_MANY_REQUESTS, "Too Many Requests", headers, new byte[0], StandardCharsets.UTF_8));

		this.mvc.perform(chat())
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "7"))
			.andExpect(jsonPath("$.reason").value("PROVIDER_RATE_LIMITED"));
	}

	@Test
	void anotherProviderErrorIsABadGateway() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(HttpClientErrorException.create(HttpStatus.NOT_FOUND,
				"Not Found", new HttpHeaders(), new byte[0], StandardCharsets.UTF_8));

		this.mvc.perform(chat())
			.andExpect(status().isBadGateway())
			.andExpect(jsonPath("$.reason").value("PROVIDER_ERROR"))
			.andExpect(jsonPath("$.providerStatus").value(404));
	}

	@Test
	void aProvider429ThroughTheSdkIsPassedOnWithTheProvidersRetryAfter() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(RateLimitException.builder()
			.headers(Headers.builder().put("retry-after", "7").build())
			.body(JsonValue.from(Map.of("type", "error", "error", Map.of("type", "rate_limit_error"))))
			.build());

		this.mvc.perform(chat())
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "7"))
			.andExpect(jsonPath("$.reason").value("PROVIDER_RATE_LIMITED"));
	}

	@Test
	void anOverloadThroughTheSdkIsABadGateway() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(OverloadedException.builder()
			.headers(Headers.builder().build())
			.body(JsonValue.from(Map.of("type", "error", "error", Map.of("type", "overloaded_error"))))
			.build());

		this.mvc.perform(chat())
			.andExpect(status().isBadGateway())
			.andExpect(jsonPath("$.reason").value("PROVIDER_ERROR"))
			.andExpect(jsonPath("$.providerStatus").value(529));
	}

	@Test
	void anSdkCallThatGotNoAnswerIsABadGateway() throws Exception {
		given(this.chat.reply(any(), any(), any())).willThrow(new AnthropicIoException("Request failed"));

		this.mvc.perform(chat())
			.andExpect(status().isBadGateway())
			.andExpect(jsonPath("$.reason").value("PROVIDER_UNREACHABLE"));
	}

	private static org.springframework.test.web.servlet.RequestBuilder chat() {
		return post("/chat").contentType(MediaType.APPLICATION_JSON)
			.content("{\"userId\":\"alice\",\"message\":\"Hello\"}");
	}

}

package io.github.llmquota.sample.summary;

import java.util.List;

import com.anthropic.errors.AnthropicException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.sample.chat.ChatTranscripts;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClientException;

/**
 * Summarises the chat transcripts gathered since its last run, when
 * {@code sample.summaries.enabled} is {@code true}: every
 * {@code sample.summaries.interval} (an ISO-8601 duration, {@code PT30S} by default) it
 * takes up to {@code sample.summaries.batch-size} exchanges and asks for one summary of
 * them.
 */
@Component
@EnableScheduling
@ConditionalOnProperty(prefix = "sample.summaries", name = "enabled", havingValue = "true")
class SummarisationJob {

	private static final Log logger = LogFactory.getLog(SummarisationJob.class);

	private final ChatTranscripts transcripts;

	private final Summariser summariser;

	private final int batchSize;

	SummarisationJob(ChatTranscripts transcripts, Summariser summariser,
			@Value("${sample.summaries.batch-size:20}") int batchSize) {
		this.transcripts = transcripts;
		this.summariser = summariser;
		this.batchSize = batchSize;
	}

	@Scheduled(fixedDelayString = "${sample.summaries.interval:PT30S}")
	void summariseRecentChats() {
		List<String> batch = this.transcripts.take(this.batchSize);
		if (batch.isEmpty()) {
			return;
		}
		try {
			String summary = this.summariser
				.summarise(Summariser.MODEL, this.summariser.prompt(String.join("\n\n", batch)))
				.getBody()
				.text();
			logger.info("Summary of " + batch.size() + " chat exchanges: " + summary);
		}
		catch (QuotaRejectedException ex) {
			// Background work gives way: the exchanges are dropped, the next batch is
			// newer.
			logger.info("Skipped a summary of " + batch.size() + " chat exchanges: " + ex.getReason());
		}
		catch (RestClientException | AnthropicException ex) {
			logger.warn("Could not summarise " + batch.size() + " chat exchanges: " + ex.getMessage());
		}
	}

}

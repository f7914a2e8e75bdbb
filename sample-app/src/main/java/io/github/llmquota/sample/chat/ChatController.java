package io.github.llmquota.sample.chat;

import io.github.llmquota.sample.anthropic.Answer;

import org.springframework.http.HttpStatus;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * {@code POST /chat}: one question, one answer. Quota rejections and provider errors
 * become problem responses in {@link ChatExceptionHandler}.
 */
@RestController
class ChatController {

	private final ChatService chat;

	private final ChatTranscripts transcripts;

	ChatController(ChatService chat, ChatTranscripts transcripts) {
		this.chat = chat;
		this.transcripts = transcripts;
	}

	@PostMapping("/chat")
	ChatAnswer chat(@RequestBody ChatRequest request) {
		if (!StringUtils.hasText(request.userId()) || !StringUtils.hasText(request.message())) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "userId and message are required");
		}
		Answer answer = this.chat.reply(request.userId(), ChatService.MODEL, this.chat.prompt(request.message()))
			.getBody();
		this.transcripts.add(request.userId(), request.message(), answer.text());
		return new ChatAnswer(answer.text(), answer.model());
	}

}

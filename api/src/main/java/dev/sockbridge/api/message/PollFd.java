package dev.sockbridge.api.message;

/** One entry of a poll call: a descriptor and the events asked for, or (in a reply) those that happened. */
public record PollFd(int fd, int events) {
}

package dev.sockbridge.api; /** Sockbridge API. */ final class Placeholder {}

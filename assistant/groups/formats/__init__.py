"""One reader per chat-export shape; `assistant.groups.exports` picks one and is the public face."""

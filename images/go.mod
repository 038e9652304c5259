module eval-sandbox.local/images

go 1.26

toolchain go1.26.8
